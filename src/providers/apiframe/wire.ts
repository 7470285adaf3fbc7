import * as z from "../../lib/zod";
import type { JobSpec, ModelId } from "../../catalogue";
import type { PollOutcome } from "../types";

// apiframe.ai's wire shapes (PROVIDERS.md) and the mapping both ways. Its create body is strict upstream (unknown keys
// are rejected), so only the fields its model takes are sent.

export const ApiframeCreateAnswer = z.object({ jobId: z.string().check(z.minLength(1)) });

export const ApiframeJob = z.object({
  id: z.string(),
  status: z.enum(["QUEUED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"]),
  progress: z.optional(z.nullable(z.number())),
  // Older responses carry `result` as a bare URL string.
  result: z.optional(z.nullable(z.union([z.object({ images: z.array(z.string()) }), z.string()]))),
  error: z.optional(z.nullable(z.string())),
  creditCost: z.optional(z.nullable(z.number())),
  expired: z.optional(z.boolean()),
});
export type ApiframeJob = z.infer<typeof ApiframeJob>;

/** A callback body: only its job id is read (the state is confirmed by a poll). */
export const ApiframeCallback = z.object({ event: z.string(), jobId: z.string().check(z.minLength(1)) });

export const ApiframeErrorAnswer = z.object({ error: z.string(), details: z.optional(z.record(z.string(), z.array(z.string()))) });

interface ApiframeParams {
  quality: JobSpec["quality"];
  aspect_ratio: string;
  output_format: JobSpec["outputFormat"];
  background: JobSpec["background"];
  number_of_images: number;
  input_images?: string[];
  input_fidelity?: "low" | "high";
  moderation?: "auto" | "low";
}

export type ApiframeCreateBody = {
  prompt: string;
  model: ModelId;
  webhookUrl?: string;
  webhookEvents?: ("completed" | "failed")[];
} & { [paramsKey: string]: ApiframeParams | string | string[] | undefined };

/** The models apiframe serves, with its params key and what each takes (PROVIDERS.md; seed 002 for gpt-image-1.5). */
export const APIFRAME_MODELS: Partial<Record<ModelId, { paramsKey: "gptImageParams" | "gptImage2Params"; transparent: boolean; inputFidelity: boolean; moderation: boolean }>> = {
  "gpt-image-1.5": { paramsKey: "gptImageParams", transparent: true, inputFidelity: true, moderation: false },
  "gpt-image-2": { paramsKey: "gptImage2Params", transparent: false, inputFidelity: false, moderation: true },
};

/** The aspect ratios apiframe takes (for both models): exact sizes are not offered. */
export const APIFRAME_ASPECT_RATIOS = ["1:1", "3:2", "2:3"] as const;

/** The create body for `spec`; `inputImages` are signed imagegate URLs of its references. */
export function toApiframeCreate(spec: JobSpec, inputImages: string[], webhookUrl: string | null): ApiframeCreateBody {
  const wire = APIFRAME_MODELS[spec.model]!;
  const params: ApiframeParams = {
    quality: spec.quality,
    aspect_ratio: spec.aspectRatio ?? "1:1",
    output_format: spec.outputFormat,
    background: spec.background,
    number_of_images: spec.quantity,
  };
  if (inputImages.length > 0) params.input_images = inputImages;
  if (wire.inputFidelity && spec.inputFidelity !== null) params.input_fidelity = spec.inputFidelity;
  if (wire.moderation) params.moderation = spec.moderation;
  const body: ApiframeCreateBody = { prompt: spec.prompt, model: spec.model, [wire.paramsKey]: params };
  if (webhookUrl !== null) {
    body.webhookUrl = webhookUrl;
    body.webhookEvents = ["completed", "failed"];
  }
  return body;
}

const CONTENT_FAILURE = /content policy violation/i;

/** A job as polled; the images are apiframe's CDN URLs (opened at once: they may be purged after 24 h). */
export function fromApiframeJob(job: ApiframeJob, quantity: number): PollOutcome {
  switch (job.status) {
    case "QUEUED":
      return { kind: "running", progress: null };
    case "PROCESSING":
      return { kind: "running", progress: typeof job.progress === "number" ? Math.max(0, Math.min(99, Math.round(job.progress))) : null };
    case "CANCELLED":
      return { kind: "failed", error: { class: "fatal", message: "apiframe cancelled the job" } };
    case "FAILED": {
      const message = job.error ?? "apiframe reported the job FAILED";
      return { kind: "failed", error: { class: CONTENT_FAILURE.test(message) ? "moderated" : "retryable", message: `apiframe: ${message.slice(0, 300)}` } };
    }
    case "COMPLETED": {
      if (job.expired) return { kind: "failed", error: { class: "fatal", message: "apiframe purged the result before we copied it" } };
      const images = typeof job.result === "string" ? [job.result] : (job.result?.images ?? []);
      if (images.length !== quantity) {
        return { kind: "failed", error: { class: "retryable", message: `apiframe returned ${images.length} of ${quantity} images` } };
      }
      return { kind: "completed", images, cost: typeof job.creditCost === "number" ? { creditCost: job.creditCost } : undefined };
    }
  }
}

export function apiframeErrorMessage(body: unknown): string {
  const parsed = ApiframeErrorAnswer.safeParse(body);
  if (!parsed.success) return "";
  const details = Object.entries(parsed.data.details ?? {}).map(([path, messages]) => `${path}: ${messages.join(", ")}`);
  return [parsed.data.error, ...details].join("; ");
}
