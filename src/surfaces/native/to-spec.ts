import { modelById, specFor, type Reference } from "../../catalogue";
import { isDevelopment, type Env } from "../../env";
import { UPLOAD_ID } from "../../files/uploads";
import { invalidFields, type FieldError } from "../../lib/errors";
import { checkUrl } from "../../lib/ssrf";
import type { JobRequest } from "../../jobs/admit";
import type { Json } from "../../lib/json";
import type { GenerateRequest, NativeParams } from "./schemas";

// Native dialect → JobSpec. Validation has already run; this resolves references, and specFor the defaults.

function toReference(raw: string, index: number, env: Env, errors: FieldError[]): Reference | null {
  if (UPLOAD_ID.test(raw)) return { kind: "upload", id: raw };
  if (raw.startsWith("upl_")) {
    errors.push({ path: `input_images.${index}`, message: `${raw.slice(0, 200)} is not an upload id: POST /v2/uploads gives upl_ and 24 letters or digits` });
    return null;
  }
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
  if (errors.length > 0) throw invalidFields(errors);
  const provider = body.provider;
  return {
    spec: specFor(entry, {
      prompt: body.prompt,
      quality: params.quality,
      size: params.width !== undefined && params.height !== undefined ? { width: params.width, height: params.height } : null,
      aspectRatio: params.aspect_ratio,
      outputFormat: params.output_format,
      background: params.background,
      quantity: params.number_of_images,
      references,
      referenceStrength: params.reference_strength,
      inputFidelity: params.input_fidelity,
      seed: params.seed,
      promptEnhance: params.prompt_enhance,
      moderation: params.moderation,
      complexity: params.complexity,
      frameCount: params.frame_count,
      frameDurationMs: params.frame_duration_ms,
    }),
    providers: provider === undefined || provider === "auto" ? null : Array.isArray(provider) ? provider : [provider],
    public: body.public ?? false,
    metadata: body.metadata ?? {},
    webhook,
    input: body as Json,
  };
}
