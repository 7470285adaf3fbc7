// The live catalogue as GET /v2/models shows it. The tools that drive a running gateway (chaos, bench, e2e) choose
// their models from it at run time, so a model's retirement changes what they exercise, never whether they pass.
import type * as z from "zod";
import type { ModelView } from "../../src/surfaces/native/models.docs.ts";
import { expectStatus } from "./answers.ts";

export type LiveModel = z.infer<typeof ModelView>;

/** Every model the gateway lists, whatever its status; throws with the answer when it cannot be read. */
export async function listedModels(origin: string | URL, timeoutMs = 10_000): Promise<LiveModel[]> {
  const res = await fetch(new URL("/v2/models", origin), { signal: AbortSignal.timeout(timeoutMs) });
  return (await expectStatus<{ data: LiveModel[] }>("GET /v2/models", res, [200])).data;
}

/** The models the gateway lists as active now; throws when none is. */
export async function activeModels(origin: string | URL): Promise<LiveModel[]> {
  const listed = await listedModels(origin);
  const active = listed.filter((m) => m.status === "active");
  if (active.length === 0) throw new Error(`GET /v2/models lists no active model: ${listed.map((m) => `${m.id} ${m.status}`).join(", ")}`);
  return active;
}

/** The model's qualities, cheapest per image first: a run that only exercises the gateway has no reason to pay more. */
export const qualitiesByPrice = (model: LiveModel): string[] =>
  [...model.qualities].sort((a, b) => (model.creditsPerImage[a] ?? Infinity) - (model.creditsPerImage[b] ?? Infinity));

/** The first of `models` that `provider` serves; throws naming every model's providers when none is. */
export function servedBy(models: LiveModel[], provider: string): LiveModel {
  const model = models.find((m) => m.providers.includes(provider));
  if (!model) throw new Error(`no active model is served by ${provider}: ${models.map((m) => `${m.id} [${m.providers.join(", ")}]`).join("; ")}`);
  return model;
}

/** Whether the model takes width x height: one of its presets, or a custom size within the rules it publishes. */
export function takesSize(model: LiveModel, width: number, height: number): boolean {
  if (Object.values(model.sizes.presets).some((p) => p.width === width && p.height === height)) return true;
  const rule = model.sizes.custom;
  if (!rule) return false;
  const long = Math.max(width, height);
  const pixels = width * height;
  return width % rule.multipleOf === 0 && height % rule.multipleOf === 0 && long < rule.maxEdgeExclusive &&
    long <= rule.maxRatio * Math.min(width, height) && pixels >= rule.minPixels && pixels <= rule.maxPixels;
}
