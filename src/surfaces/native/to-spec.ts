import { modelById, presetOf, roundedFrameDuration, type Reference } from "../../catalogue";
import { isDevelopment, type Env } from "../../env";
import { ApiError, type FieldError } from "../../lib/errors";
import { checkUrl } from "../../lib/ssrf";
import type { JobRequest } from "../../jobs/admit";
import type { Json } from "../../lib/json";
import type { GenerateRequest, NativeParams } from "./schemas";

// Native dialect → JobSpec. Validation has already run; this only resolves defaults and references.

const UPLOAD_ID = /^upl_[A-Za-z0-9]{1,64}$/;

function toReference(raw: string, index: number, env: Env, errors: FieldError[]): Reference | null {
  if (UPLOAD_ID.test(raw)) return { kind: "upload", id: raw };
  const checked = checkUrl(raw, { allowLoopbackHttp: isDevelopment(env) });
  if (checked.ok) return { kind: "url", url: checked.url.href };
  errors.push({ path: `input_images.${index}`, message: `${raw.slice(0, 200)} is refused: ${checked.reason}` });
  return null;
}

export function nativeToJobRequest(body: GenerateRequest, env: Env): JobRequest {
  const entry = modelById(body.model)!;
  const params = ((body as Record<string, unknown>)[entry.paramsKey] ?? {}) as NativeParams;
  const errors: FieldError[] = [];
  const references = (params.input_images ?? [])
    .map((raw, i) => toReference(raw, i, env, errors))
    .filter((r): r is Reference => r !== null);
  let webhook = null;
  if (body.webhookUrl !== undefined) {
    const checked = checkUrl(body.webhookUrl, { allowLoopbackHttp: isDevelopment(env) });
    if (checked.ok) webhook = { url: checked.url.href, events: body.webhookEvents ?? ["completed", "failed", "cancelled"] };
    else errors.push({ path: "webhookUrl", message: `${body.webhookUrl.slice(0, 200)} is refused: ${checked.reason}` });
  }
  if (errors.length > 0) {
    throw new ApiError("invalid_request", errors.map((e) => `${e.path}: ${e.message}`).join("; "), { errors });
  }
  const size =
    params.width !== undefined && params.height !== undefined
      ? { width: params.width, height: params.height }
      : entry.presets[params.aspect_ratio ?? entry.defaultAspectRatio]!;
  const provider = body.provider;
  return {
    spec: {
      model: entry.id,
      prompt: body.prompt,
      quality: params.quality ?? entry.defaultQuality,
      width: size.width,
      height: size.height,
      aspectRatio: presetOf(entry, size),
      outputFormat: params.output_format ?? entry.defaultOutputFormat,
      background: params.background ?? "auto",
      quantity: params.number_of_images ?? 1,
      references,
      referenceStrength: params.reference_strength ?? null,
      inputFidelity: entry.references.inputFidelity ? (params.input_fidelity ?? "low") : null,
      seed: params.seed ?? null,
      promptEnhance: params.prompt_enhance ?? false,
      moderation: params.moderation ?? "auto",
      ...(entry.complexity ? { complexity: params.complexity ?? entry.complexity.default } : {}),
      ...(params.output_format === "gif" && entry.gif
        ? {
            gif: {
              frameCount: params.frame_count ?? entry.gif.frameCount.default,
              frameDurationMs: roundedFrameDuration(entry, params.frame_duration_ms ?? entry.gif.frameDurationMs.default),
            },
          }
        : {}),
    },
    providers: provider === undefined || provider === "auto" ? null : Array.isArray(provider) ? provider : [provider],
    public: body.public ?? false,
    metadata: body.metadata ?? {},
    webhook,
    input: body as Json,
  };
}
