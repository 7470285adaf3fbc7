import type { ModelId } from "../../catalogue";
import { isDevelopment, type Env } from "../../env";
import { maxPerCall } from "../config";
import { callTimeoutMs, classifyThrown, openUpstreamImage, readAnswer, upstreamFetch } from "../http";
import type { Capabilities, Provider, ProviderContext } from "../types";
import { CENTS, PATHS, WIRE_MAX_PER_CALL, configOf, headers } from "./api";
import { apiframeCallback } from "./callback";
import { apiframeError } from "./errors";
import { APIFRAME_ASPECT_RATIOS, APIFRAME_MODELS, ApiframeCreateAnswer, ApiframeJob, fromApiframeJob, toApiframeCreate } from "./wire";

// apiframe.ai (PROVIDERS.md): create with an Idempotency-Key (so a create whose outcome is unknown may be re-sent),
// poll /v2/jobs/:id, signed callbacks, cancel. References go as signed imagegate URLs: apiframe fetches them itself.

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
    const inputImages = await Promise.all(spec.references.map((ref) => ctx.signedUrl(ref)));
    const body = toApiframeCreate(spec, inputImages, webhookUrl(ctx));
    const res = await upstreamFetch(
      "apiframe",
      `${base}${PATHS.create}`,
      {
        method: "POST",
        headers: { ...headers(key), "content-type": "application/json", "idempotency-key": idempotencyKey(ctx) },
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
    const res = await upstreamFetch("apiframe", `${base}${PATHS.job(upstreamId)}`, { headers: headers(key) }, callTimeoutMs(ctx), "other");
    if (!res.ok) throw await apiframeError(res, ctx.now);
    return fromApiframeJob(await readAnswer("apiframe", res, ApiframeJob, "other"), spec.quantity);
  },

  open: (url, _spec, ctx) => openUpstreamImage("apiframe", url, configOf(ctx.env).base, ctx),

  async cancel(upstreamId, ctx) {
    const { key, base } = configOf(ctx.env);
    const res = await upstreamFetch("apiframe", `${base}${PATHS.cancel(upstreamId)}`, { method: "POST", headers: headers(key) }, callTimeoutMs(ctx), "other");
    await res.body?.cancel();
  },

  classifyError: (err) => classifyThrown("apiframe", err),
  callback: apiframeCallback,
};
