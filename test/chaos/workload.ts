// The chaos run's job mix: models, sizes, quantities, provider choices, references, webhooks, idempotency keys and
// cancels, drawn at random from what GET /v2/models lists as active, so a retirement changes what runs, not whether it
// passes. Every job's prompt carries a unique tag, so its upstream calls can be found in the simulator's call log.
import type { APIFRAME_ASPECT_RATIOS } from "../../src/providers/apiframe/wire.ts";
import { qualitiesByPrice, takesSize, type LiveModel } from "../harness/catalogue.ts";

export interface PlannedJob {
  tag: string;
  body: Record<string, unknown>;
  idempotencyKey: string | null;
  /** Send the same create again (same key, same body) and expect the original job back. */
  replay: boolean;
  cancel: boolean;
  webhook: boolean;
}

/** "auto", one provider, or an ordered list to try. */
type ProviderChoice = string | string[];

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const chance = (p: number): boolean => Math.random() < p;
const shuffled = <T>(xs: readonly T[]): T[] => [...xs].sort(() => Math.random() - 0.5);

/**
 * What routing knows and GET /v2/models does not show: apiframe takes only these aspect ratios, and no exact size.
 * Typed as the adapter's own list, so the typecheck fails if the two drift apart.
 */
const APIFRAME_RATIOS: readonly string[] = ["1:1", "3:2", "2:3"] satisfies typeof APIFRAME_ASPECT_RATIOS;

const EXACT_SIZES = [{ width: 1536, height: 1024 }, { width: 1024, height: 1536 }, { width: 1280, height: 720 }];

/** auto (1 in 7), one provider (3 in 7), or an ordered list of two or more (3 in 7), from the providers serving the model. */
function providerChoice(providers: string[]): ProviderChoice {
  const roll = Math.random();
  if (roll < 1 / 7 || providers.length === 0) return "auto";
  if (roll < 4 / 7 || providers.length === 1) return pick(providers);
  return shuffled(providers).slice(0, 2 + Math.floor(Math.random() * (providers.length - 1)));
}

/** An exact size about 30% of the time where the model and the choice allow one; else one of the model's presets. */
function sizeOf(model: LiveModel, provider: ProviderChoice): Record<string, unknown> {
  const apiframeOnly = provider === "apiframe";
  const exact = model.sizes.custom && !apiframeOnly ? EXACT_SIZES.filter((s) => takesSize(model, s.width, s.height)) : [];
  // An exact size rules apiframe out of a list or auto: routing must still find a provider.
  if (exact.length > 0 && chance(0.3)) return pick(exact);
  const ratios = Object.keys(model.sizes.presets).filter((r) => !apiframeOnly || APIFRAME_RATIOS.includes(r));
  return { aspect_ratio: pick(ratios) };
}

/** A gif frame small enough that a sheet of up to 9 frames fits every published limit, and a valid size on its own. */
const GIF_FRAME = { width: 832, height: 832 };

/**
 * About one job in six, where the model makes them, asks for what only some providers make (an animated gif, an svg,
 * the top quality): those go to whoever routing finds (auto), since GET /v2/models does not say which provider makes
 * which format.
 */
function specialOf(model: LiveModel): Record<string, unknown> | null {
  const formats = model.outputFormats.filter((f) => f === "gif" || f === "svg");
  const top = model.qualities.filter((q) => q === "xhigh" || q === "max");
  if ((formats.length === 0 && top.length === 0) || !chance(1 / 6)) return null;
  const format = formats.length > 0 && (top.length === 0 || chance(0.7)) ? pick(formats) : null;
  if (format === "gif") return { output_format: "gif", frame_count: 2 + Math.floor(Math.random() * 3), frame_duration_ms: 100, number_of_images: 1, ...GIF_FRAME };
  if (format === "svg") return { output_format: "svg", number_of_images: 1 };
  return { quality: pick(top), output_format: "png" };
}

export function planJob(index: number, run: string, options: { receiverUrl: string; uploadIds: string[]; models: LiveModel[] }): PlannedJob {
  const tag = `chaos-${run}-${index}`;
  const model = pick(options.models);
  const special = specialOf(model);
  const provider = special ? "auto" : providerChoice(model.providers);
  const [cheapest, next = cheapest] = qualitiesByPrice(model);
  // 9 needs more than one upstream call on some providers (Leonardo takes at most 8).
  const quantity = Math.min(model.maxImages, chance(0.7) ? 1 : chance(0.85) ? 2 + Math.floor(Math.random() * 2) : 9);
  const params: Record<string, unknown> = {
    quality: pick([cheapest, cheapest, next]),
    number_of_images: quantity,
    output_format: "png",
    // A gif brings its own frame size.
    ...(special?.width ? {} : sizeOf(model, provider)),
    ...special,
  };
  const svg = params.output_format === "svg";
  if (!svg && options.uploadIds.length > 0 && model.references.max > 0 && chance(0.1)) params.input_images = [pick(options.uploadIds)];
  const webhook = chance(0.3);
  const idempotencyKey = chance(0.2) ? `idem-${tag}` : null;
  const body: Record<string, unknown> = {
    prompt: `${tag} a lighthouse in a storm, number ${index}`,
    model: model.id,
    [model.paramsKey]: params,
    provider,
    metadata: { chaos: run, index: String(index) },
  };
  if (webhook) Object.assign(body, { webhookUrl: options.receiverUrl, webhookEvents: ["completed", "failed", "cancelled"] });
  return { tag, body, idempotencyKey, replay: idempotencyKey !== null && chance(0.35), cancel: chance(0.05), webhook };
}

/** How many planned jobs ask for each model, output format and quality: the run prints it, so a run shows what it covered. */
export function mixOf(plans: PlannedJob[]): Record<"models" | "formats" | "qualities", Record<string, number>> {
  const mix = { models: {} as Record<string, number>, formats: {} as Record<string, number>, qualities: {} as Record<string, number> };
  const count = (into: Record<string, number>, key: unknown) => (into[String(key)] = (into[String(key)] ?? 0) + 1);
  for (const { body } of plans) {
    const params = Object.values(body).find((v): v is Record<string, unknown> => typeof v === "object" && v !== null && "number_of_images" in v) ?? {};
    count(mix.models, body.model);
    count(mix.formats, params.output_format);
    count(mix.qualities, params.quality);
  }
  return mix;
}

/** About 30% of upstream calls get a fault, spread over every fault class, on every provider. */
export function faultMix(): Record<string, unknown>[] {
  const perProvider = (provider: string, withUrls: boolean) => [
    { provider, fault: "http500", rate: 0.1 },
    { provider, fault: "http429", rate: 0.07, retryAfter: 1 },
    { provider, fault: "hang", rate: 0.02, latencyMs: 20_000 },
    { provider, fault: "malformed", rate: 0.06 },
    { provider, fault: "job_failed", rate: 0.05 },
    { provider, fault: "moderated", rate: 0.02 },
    { provider, fault: "slow_image", rate: 0.04, latencyMs: 400 },
    ...(withUrls
      ? [
          { provider, fault: "no_callback", rate: 0.08 },
          { provider, fault: "image_404", rate: 0.03 },
        ]
      : []),
  ];
  return [...perProvider("leonardo", true), ...perProvider("apiframe", true), ...perProvider("openai", false)].map((f) => ({ ...f, count: null }));
}
