import { OUTPUT_FORMATS, type JobSpec, type ModelId } from "../../catalogue";
import type { Env } from "../../env";
import { UpstreamError, type Capabilities, type Provider, type ProviderContext } from "../types";
import { renderSandboxImage, renderSandboxPng, sandboxContentType } from "./render";

// The built-in provider: no network, real images (PNG, animated GIF, SVG), simulated latency and progress.
// Its upstream id carries the submit time, so a poll needs no stored state.

const DEFAULT_LATENCY_MS = 1200;
const REF_PREFIX = "sandbox:";

const CAPABILITIES: Capabilities = {
  sizes: "custom",
  aspectRatios: null,
  maxPerCall: 10,
  transparentBackground: true,
  maxReferences: 16,
  seed: true,
  referenceStrength: true,
  inputFidelity: true,
  mask: true,
  outputFormats: OUTPUT_FORMATS,
  complexity: true,
  centsPerImage: { low: 0, medium: 0, high: 0, xhigh: 0, max: 0, auto: 0 },
};

const latencyOf = (env: Env): number => {
  const ms = Number(env.SANDBOX_LATENCY_MS ?? DEFAULT_LATENCY_MS);
  return Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_LATENCY_MS;
};

const submittedAt = (upstreamId: string): number => Number(upstreamId.split("_")[1]);

/**
 * The partial renders due by now: the p-th of P when (p + 1) / (P + 1) of the latency has passed, coarser the earlier
 * (64-pixel blocks, then 32, then 16), as PNGs whatever the format. The job keeps the first of each, so a later poll
 * re-offering one costs nothing.
 */
async function sendPartials(spec: JobSpec, ctx: ProviderContext, elapsed: number, latency: number): Promise<void> {
  const count = spec.partialImages ?? 0;
  for (let p = 0; p < count && elapsed >= (latency * (p + 1)) / (count + 1); p++) {
    for (let n = 0; n < spec.quantity; n++) await ctx.partial(n, p, renderSandboxPng(spec, ctx.firstIndex + n, 2 ** (6 - p)));
  }
}

export const sandbox: Provider = {
  name: "sandbox",
  idempotentSubmit: true,

  configured: (env) => (env.SANDBOX ?? (env.ENVIRONMENT === "production" ? "off" : "on")) === "on",

  capabilities: (_model: ModelId) => CAPABILITIES,

  async submit(_spec, ctx) {
    const latency = latencyOf(ctx.env);
    return { kind: "accepted", upstreamId: `sbx_${ctx.now}_${ctx.attempt}`, pollInMs: Math.min(250, latency) };
  },

  async poll(upstreamId, spec, ctx) {
    const latency = latencyOf(ctx.env);
    const elapsed = ctx.now - submittedAt(upstreamId);
    await sendPartials(spec, ctx, elapsed, latency);
    if (elapsed >= latency) {
      return { kind: "completed", images: Array.from({ length: spec.quantity }, (_, i) => `${REF_PREFIX}${ctx.firstIndex + i}`) };
    }
    return { kind: "running", progress: Math.min(99, Math.floor((elapsed / latency) * 100)), pollInMs: Math.min(250, latency - elapsed) };
  },

  async open(image, spec) {
    const index = Number(image.slice(REF_PREFIX.length));
    if (!image.startsWith(REF_PREFIX) || !Number.isInteger(index)) {
      throw new UpstreamError({ class: "fatal", message: `sandbox cannot open ${image}` });
    }
    return { body: renderSandboxImage(spec, index), contentType: sandboxContentType(spec), length: null };
  },

  classifyError(err) {
    if (err instanceof UpstreamError) return err.classified;
    return { class: "retryable", message: "sandbox error" };
  },
};
