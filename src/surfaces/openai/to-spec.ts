import { modelById, specFor, type Reference } from "../../catalogue";
import { invalidField } from "../../lib/errors";
import type { JobRequest } from "../../jobs/admit";
import type { Json } from "../../lib/json";
import { OPENAI_OUTPUT_FORMAT, gifFramesOf, resolveSize, type ImageRequestFields } from "./schemas";

// OpenAI's dialect → JobSpec. Validation has already run; edits bring their references already stored or checked.

export function openaiToJobRequest(body: ImageRequestFields, references: Reference[], mask: Reference | null, input: Json): JobRequest {
  const entry = modelById(body.model)!;
  const gifFrames = gifFramesOf(entry, body);
  const size = resolveSize(entry, body.size, gifFrames);
  if (typeof size === "string") throw invalidField("size", size);
  return {
    spec: specFor(entry, {
      prompt: body.prompt,
      quality: body.quality,
      size,
      outputFormat: body.output_format ?? OPENAI_OUTPUT_FORMAT,
      background: body.background,
      quantity: body.n,
      references,
      inputFidelity: body.input_fidelity,
      moderation: body.moderation,
      mask,
      // Partial renders exist only to be streamed (as with OpenAI, partial_images without stream asks for none).
      partialImages: body.stream ? body.partial_images : null,
      outputCompression: body.output_compression,
      complexity: body.complexity,
      frameCount: gifFrames,
      frameDurationMs: body.frame_duration_ms,
    }),
    providers: null,
    public: false,
    metadata: {},
    webhook: null,
    input,
  };
}
