import { activeModels, listedModels, type LiveModel } from "../harness/catalogue.ts";

// The e2e tests choose their models from the running gateway's catalogue, never by a literal id: a model's
// retirement then changes which model a test drives, not whether it passes.

export { takesSize } from "../harness/catalogue.ts";

/**
 * An active model that the sandbox serves at low quality (where every e2e job runs) and that `fits`; throws naming
 * what was asked for when there is none.
 */
export async function chooseModel(origin: string, what: string, fits: (m: LiveModel) => boolean = () => true): Promise<LiveModel> {
  const active = await activeModels(origin);
  const chosen = active.find((m) => m.providers.includes("sandbox") && m.qualities.includes("low") && fits(m));
  if (!chosen) throw new Error(`no active model on the sandbox at low quality ${what}; active: ${active.map((m) => m.id).join(", ")}`);
  return chosen;
}

/**
 * The first model that is not retired (the playground offers deprecated ones too), that the sandbox serves and that
 * makes `format`, and that `fits`; throws naming every listed model's formats when there is none.
 */
export async function chooseFormatModel(origin: string, format: string, fits: (m: LiveModel) => boolean = () => true): Promise<LiveModel> {
  const listed = await listedModels(origin);
  const chosen = listed.find((m) => m.status !== "retired" && m.providers.includes("sandbox") && m.outputFormats.includes(format) && fits(m));
  if (!chosen) {
    throw new Error(`no model that is not retired makes ${format} on the sandbox: ${listed.map((m) => `${m.id} ${m.status} [${m.outputFormats.join(", ")}]`).join("; ")}`);
  }
  return chosen;
}
