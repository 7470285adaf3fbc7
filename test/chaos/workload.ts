// The chaos run's job mix: models, sizes, quantities, provider choices, references, webhooks, idempotency keys and
// cancels, drawn at random. Every job's prompt carries a unique tag, so its upstream calls can be found in the
// simulator's call log.

export interface PlannedJob {
  tag: string;
  body: Record<string, unknown>;
  idempotencyKey: string | null;
  /** Send the same create again (same key, same body) and expect the original job back. */
  replay: boolean;
  cancel: boolean;
  webhook: boolean;
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const chance = (p: number): boolean => Math.random() < p;

const PROVIDER_CHOICES = [
  "leonardo",
  "apiframe",
  "openai",
  ["leonardo", "apiframe"],
  ["openai", "leonardo"],
  ["apiframe", "openai", "leonardo"],
  "auto",
] as const;

export function planJob(index: number, run: string, options: { receiverUrl: string; uploadIds: string[] }): PlannedJob {
  const tag = `chaos-${run}-${index}`;
  const provider = pick(PROVIDER_CHOICES);
  const onlyApiframe = provider === "apiframe";
  const model = chance(0.5) ? "gpt-image-2" : "gpt-image-1.5";
  const quantity = chance(0.7) ? 1 : chance(0.85) ? 2 + Math.floor(Math.random() * 2) : 9;
  const params: Record<string, unknown> = { quality: pick(["low", "low", "medium"]), number_of_images: quantity, output_format: "png" };
  if (model === "gpt-image-2" && !onlyApiframe && chance(0.3)) {
    // An exact size rules apiframe out (aspect ratios only); routing must still find a provider.
    Object.assign(params, pick([{ width: 1536, height: 1024 }, { width: 1024, height: 1536 }, { width: 1280, height: 720 }]));
  } else {
    params.aspect_ratio = pick(["1:1", "3:2", "2:3"]);
  }
  if (options.uploadIds.length > 0 && chance(0.1)) params.input_images = [pick(options.uploadIds)];
  const webhook = chance(0.3);
  const idempotencyKey = chance(0.2) ? `idem-${tag}` : null;
  const body: Record<string, unknown> = {
    prompt: `${tag} a lighthouse in a storm, number ${index}`,
    model,
    [model === "gpt-image-2" ? "gptImage2Params" : "gptImageParams"]: params,
    provider,
    metadata: { chaos: run, index: String(index) },
  };
  if (webhook) Object.assign(body, { webhookUrl: options.receiverUrl, webhookEvents: ["completed", "failed", "cancelled"] });
  return { tag, body, idempotencyKey, replay: idempotencyKey !== null && chance(0.35), cancel: chance(0.05), webhook };
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
