import { modelById, presetOf, roundedFrameDuration, type Reference } from "../../catalogue";
import { ApiError } from "../../lib/errors";
import type { JobRequest } from "../../jobs/admit";
import type { Json } from "../../lib/json";
import { OPENAI_OUTPUT_FORMAT, gifFramesOf, resolveSize, type ImageRequestFields } from "./schemas";

// OpenAI's dialect → JobSpec. Validation has already run; edits bring their references already stored or checked.

export function openaiToJobRequest(body: ImageRequestFields, references: Reference[], mask: Reference | null, input: Json): JobRequest {
  const entry = modelById(body.model)!;
  const gifFrames = gifFramesOf(entry, body);
  const size = resolveSize(entry, body.size, gifFrames);
  if (typeof size === "string") throw new ApiError("invalid_request", `size: ${size}`, { errors: [{ path: "size", message: size }] });
  return {
    spec: {
      model: entry.id,
      prompt: body.prompt,
      quality: body.quality ?? entry.defaultQuality,
      width: size.width,
      height: size.height,
      aspectRatio: presetOf(entry, size),
      outputFormat: body.output_format ?? OPENAI_OUTPUT_FORMAT,
      background: body.background ?? "auto",
      quantity: body.n ?? 1,
      references,
      referenceStrength: null,
      inputFidelity: entry.references.inputFidelity ? (body.input_fidelity ?? "low") : null,
      seed: null,
      promptEnhance: false,
      moderation: body.moderation ?? "auto",
      ...(mask ? { mask } : {}),
      // Partial renders exist only to be streamed (as with OpenAI, partial_images without stream asks for none).
      ...(body.stream && body.partial_images ? { partialImages: body.partial_images } : {}),
      ...(typeof body.output_compression === "number" ? { outputCompression: body.output_compression } : {}),
      ...(entry.complexity ? { complexity: body.complexity ?? entry.complexity.default } : {}),
      ...(gifFrames !== undefined && entry.gif
        ? { gif: { frameCount: gifFrames, frameDurationMs: roundedFrameDuration(entry, body.frame_duration_ms ?? entry.gif.frameDurationMs.default) } }
        : {}),
    },
    providers: null,
    public: false,
    metadata: {},
    webhook: null,
    input,
  };
}
