import type { ModelId, Reference } from "../../catalogue";
import { isDevelopment, type Env } from "../../env";
import { referenceKey, ReferenceNotFound } from "../../files/references";
import { mintFileUrl } from "../../files/signing";
import { baseUrl, maxPerCall } from "../config";
import { callTimeoutMs, classifyThrown, openUpstreamImage, readAnswer, upstreamFetch } from "../http";
import type { Capabilities, Provider, ProviderContext } from "../types";
import { apiframeError } from "./errors";
import { APIFRAME_ASPECT_RATIOS, APIFRAME_MODELS, ApiframeCreateAnswer, ApiframeJob, fromApiframeJob, toApiframeCreate } from "./wire";

// apiframe.ai (PROVIDERS.md): create with an Idempotency-Key (so a create whose outcome is unknown may be re-sent),
// poll /v2/jobs/:id, signed callbacks, cancel. References go as signed imagegate URLs: apiframe fetches them itself.

const DEFAULT_BASE_URL = "https://api.apiframe.ai";
const WIRE_MAX_PER_CALL = 10;

// ASSUMPTION: one apiframe credit costs half a cent; credits per image are PROVIDERS.md's.
const CENTS = {
  gptImageParams: { low: 2, medium: 4.5, high: 12, auto: 12 },
  gptImage2Params: { low: 2, medium: 4.5, high: 11.5, auto: 11.5 },
} as const;

const configOf = (env: Env): { key: string; base: string } => ({
  key: env.APIFRAME_API_KEY ?? "",
  base: baseUrl(env.APIFRAME_BASE_URL, DEFAULT_BASE_URL),
});

/** Stable per job and attempt: a re-sent create gets the original upstream job back. */
export const idempotencyKey = (ctx: Pick<ProviderContext, "jobId" | "attempt">): string => `imagegate-${ctx.jobId}-${ctx.attempt}`;

/** apiframe serves the models its wire table names (none of the 2.5 or 2.6 families: PROVIDERS.md). */
function capabilities(model: ModelId, env: Env): Capabilities | null {
  const wire = APIFRAME_MODELS[model];
  if (!wire) return null;
  return {
    sizes: "presets",
    aspectRatios: APIFRAME_ASPECT_RATIOS,
    maxPerCall: maxPerCall(env, "apiframe", WIRE_MAX_PER_CALL),
    transparentBackground: wire.transparent,
    maxReferences: 16,
    seed: false,
    referenceStrength: false,
    inputFidelity: wire.inputFidelity,
    outputFormats: ["webp", "png", "jpeg"],
    complexity: false,
    centsPerImage: CENTS[wire.paramsKey],
  };
}

/** Signed imagegate URLs of the references, minted from the job's creation time so a re-sent body is identical. */
async function inputImages(refs: Reference[], ctx: ProviderContext): Promise<string[]> {
  return Promise.all(
    refs.map(async (ref) => {
      const key = await referenceKey(ctx.env, ctx.accountId, ref, ctx.now);
      if (key === null) throw new ReferenceNotFound("a reference image is not held by imagegate");
      return mintFileUrl(ctx.env, ctx.origin, key, false, ctx.createdAt);
    }),
  );
}

/** Callbacks only where apiframe could reach them: https origins, or anywhere in local development. */
function webhookUrl(ctx: ProviderContext): string | null {
  if (!ctx.origin.startsWith("https://") && !isDevelopment(ctx.env)) return null;
  return `${ctx.origin}/hooks/apiframe?job=${encodeURIComponent(ctx.jobId)}`;
}

export const apiframe: Provider = {
  name: "apiframe",
  idempotentSubmit: true,
  configured: (env) => Boolean(env.APIFRAME_API_KEY),
  capabilities,

  async submit(spec, ctx) {
    const { key, base } = configOf(ctx.env);
    const body = toApiframeCreate(spec, await inputImages(spec.references, ctx), webhookUrl(ctx));
    const res = await upstreamFetch(
      "apiframe",
      `${base}/v2/images/generate`,
      {
        method: "POST",
        headers: { "x-api-key": key, "content-type": "application/json", accept: "application/json", "idempotency-key": idempotencyKey(ctx) },
        body: JSON.stringify(body),
      },
      callTimeoutMs(ctx),
      "create",
    );
    if (!res.ok) throw await apiframeError(res, ctx.now);
    const { jobId } = await readAnswer("apiframe", res, ApiframeCreateAnswer, "create");
    return { kind: "accepted", upstreamId: jobId };
  },

  async poll(upstreamId, spec, ctx) {
    const { key, base } = configOf(ctx.env);
    const res = await upstreamFetch(
      "apiframe",
      `${base}/v2/jobs/${encodeURIComponent(upstreamId)}`,
      { headers: { "x-api-key": key, accept: "application/json" } },
      callTimeoutMs(ctx),
      "other",
    );
    if (!res.ok) throw await apiframeError(res, ctx.now);
    return fromApiframeJob(await readAnswer("apiframe", res, ApiframeJob, "other"), spec.quantity);
  },

  open: (url, _spec, ctx) => openUpstreamImage("apiframe", url, configOf(ctx.env).base, ctx),

  // ASSUMPTION: PROVIDERS.md names no cancel endpoint; POST /v2/jobs/:id/cancel as the simulator has it.
  async cancel(upstreamId, ctx) {
    const { key, base } = configOf(ctx.env);
    const res = await upstreamFetch(
      "apiframe",
      `${base}/v2/jobs/${encodeURIComponent(upstreamId)}/cancel`,
      { method: "POST", headers: { "x-api-key": key, accept: "application/json" } },
      callTimeoutMs(ctx),
      "other",
    );
    await res.body?.cancel();
  },

  classifyError: (err) => classifyThrown("apiframe", err),
};
