import { CATALOGUE, type ModelId } from "../../catalogue";
import type { Env } from "../../env";
import { maxPerCall } from "../config";
import { callTimeoutMs, classifyThrown, openUpstreamImage, readAnswer, upstreamFetch } from "../http";
import type { Capabilities, Provider } from "../types";
import { CENTS, PATHS, WIRE_MAX_PER_CALL, configOf, headers } from "./api";
import { leonardoCallback } from "./callback";
import { leonardoError } from "./errors";
import { uploadReference } from "./upload";
import { LeonardoCreateAnswer, LeonardoPollAnswer, fromLeonardoCreate, fromLeonardoPoll, toLeonardoCreate } from "./wire";

// Leonardo.AI (PROVIDERS.md): create v2, poll v1, references by presigned upload, a completion callback per API key.
// No Idempotency-Key: a create whose outcome is unknown is never re-sent.

/**
 * Leonardo serves each model under its leonardoId with the dialect's rules (seeds 000, 001; the 2.5/2.6 guides).
 * ASSUMPTION (PROVIDERS.md): its 2.5/2.6 guides document quality LOW|MEDIUM|HIGH only and no gif/svg output, so
 * xhigh, max, gif and svg are not asked of it.
 */
function capabilities(model: ModelId, env: Env): Capabilities {
  const entry = CATALOGUE[model];
  return {
    sizes: entry.customSize ? "custom" : "presets",
    aspectRatios: null,
    maxPerCall: maxPerCall(env, "leonardo", WIRE_MAX_PER_CALL),
    transparentBackground: false, // no background parameter
    maxReferences: entry.references.leonardo,
    seed: entry.leonardoSeed,
    referenceStrength: entry.references.strength,
    inputFidelity: false,
    // No output_format parameter: it answers in its own format, which ingest records.
    outputFormats: ["webp", "png", "jpeg"],
    complexity: entry.complexity !== null,
    centsPerImage: CENTS,
  };
}

export const leonardo: Provider = {
  name: "leonardo",
  idempotentSubmit: false,
  configured: (env) => Boolean(env.LEONARDO_API_KEY),
  capabilities,

  async submit(spec, ctx) {
    const { key, base } = configOf(ctx.env);
    const uploadedIds = await Promise.all(spec.references.map((ref) => uploadReference(ref, ctx, key, base)));
    const res = await upstreamFetch(
      "leonardo",
      `${base}${PATHS.create}`,
      { method: "POST", headers: headers(key), body: JSON.stringify(toLeonardoCreate(spec, uploadedIds)) },
      callTimeoutMs(ctx),
      "create",
    );
    if (!res.ok) throw await leonardoError(res, ctx.now);
    return { kind: "accepted", ...fromLeonardoCreate(await readAnswer("leonardo", res, LeonardoCreateAnswer, "create")) };
  },

  async poll(upstreamId, spec, ctx) {
    const { key, base } = configOf(ctx.env);
    const res = await upstreamFetch("leonardo", `${base}${PATHS.generation(upstreamId)}`, { headers: headers(key) }, callTimeoutMs(ctx), "other");
    if (!res.ok) throw await leonardoError(res, ctx.now);
    return fromLeonardoPoll(await readAnswer("leonardo", res, LeonardoPollAnswer, "other"), spec.quantity);
  },

  open: (url, _spec, ctx) => openUpstreamImage("leonardo", url, configOf(ctx.env).base, ctx),

  classifyError: (err) => classifyThrown("leonardo", err),
  callback: leonardoCallback,
};
