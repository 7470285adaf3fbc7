import * as z from "../../lib/zod";
import { CATALOGUE, type JobSpec } from "../../catalogue";
import type { UpstreamCost } from "../types";

// OpenAI Images API wire shapes (PROVIDERS.md) and the mapping both ways. Always `model`; never `response_format`
// (GPT image models answer base64 only).

const InputSplit = z.object({ image_tokens: z.number(), text_tokens: z.number() });

const Usage = z.object({
  input_tokens: z.number(),
  output_tokens: z.number(),
  total_tokens: z.number(),
  // Only for the USD estimate: a split in another shape is dropped, never a reason to refuse the answer. (Not z.catch:
  // zod/mini's reaches zod's util namespace, whose every export the bundle would then keep, 4 KiB gzip.)
  input_tokens_details: z.optional(z.preprocess((split) => (InputSplit.safeParse(split).success ? split : undefined), z.optional(InputSplit))),
});
export type OpenAIUsage = z.infer<typeof Usage>;

/** Two usages summed (a streamed answer reports one per image); the input split only where both give it. */
export function addUsage(a: OpenAIUsage | undefined, b: OpenAIUsage): OpenAIUsage {
  if (!a) return b;
  const split = a.input_tokens_details && b.input_tokens_details;
  return {
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
    ...(split
      ? {
          input_tokens_details: {
            image_tokens: a.input_tokens_details!.image_tokens + b.input_tokens_details!.image_tokens,
            text_tokens: a.input_tokens_details!.text_tokens + b.input_tokens_details!.text_tokens,
          },
        }
      : {}),
  };
}

/** The answer without its base64 (b64-stream.ts replaces each b64_json value with ""). */
export const OpenAIAnswerSkeleton = z.object({
  data: z.array(z.object({ b64_json: z.string() })),
  usage: z.optional(Usage),
});
export type OpenAIAnswerSkeleton = z.infer<typeof OpenAIAnswerSkeleton>;

/** A streamed `*.completed` event without its base64: that image's usage. */
export const OpenAIStreamEvent = z.object({
  usage: z.optional(Usage),
});

export const OpenAIErrorAnswer = z.object({
  error: z.object({ message: z.string(), type: z.optional(z.nullable(z.string())), code: z.optional(z.nullable(z.string())) }),
});

export const openaiSize = (spec: JobSpec): string => `${spec.width}x${spec.height}`;

/** Parameters shared by generations (JSON) and edits (multipart fields). */
function parameters(spec: JobSpec): [string, string | number][] {
  return [
    ["model", spec.model],
    ["prompt", spec.prompt],
    ["n", spec.quantity],
    ["size", openaiSize(spec)],
    ["quality", spec.quality],
    ["background", spec.background],
    ["output_format", spec.outputFormat],
    ["moderation", spec.moderation],
    ...(spec.complexity ? [["complexity", spec.complexity] as [string, string]] : []),
    ...(spec.gif ? ([["frame_count", spec.gif.frameCount], ["frame_duration_ms", spec.gif.frameDurationMs]] as [string, number][]) : []),
  ];
}

/** Partial renders are asked for by streaming the answer (stream.ts reads it). */
export const streams = (spec: JobSpec): boolean => (spec.partialImages ?? 0) > 0;

/** `output_compression` applies to the lossy formats only (gif refuses it). */
const compression = (spec: JobSpec): [string, number][] =>
  spec.outputCompression !== undefined && (spec.outputFormat === "jpeg" || spec.outputFormat === "webp") ? [["output_compression", spec.outputCompression]] : [];

export function toOpenAIGeneration(spec: JobSpec): Record<string, string | number | boolean> {
  return {
    ...Object.fromEntries([...parameters(spec), ...compression(spec)]),
    ...(streams(spec) ? { stream: true, partial_images: spec.partialImages! } : {}),
  };
}

/** The multipart fields of an edit (the image files go as `image[]`). */
export function toOpenAIEditFields(spec: JobSpec): [string, string][] {
  const fields = [...parameters(spec), ...compression(spec)].map(([k, v]): [string, string] => [k, String(v)]);
  if (streams(spec)) fields.push(["stream", "true"], ["partial_images", String(spec.partialImages)]);
  if (CATALOGUE[spec.model].references.inputFidelity && spec.inputFidelity !== null) fields.push(["input_fidelity", spec.inputFidelity]);
  return fields;
}

export function fromOpenAIUsage(answer: { usage?: OpenAIUsage }): UpstreamCost | undefined {
  const usage = answer.usage;
  if (!usage) return undefined;
  const image = usage.input_tokens_details?.image_tokens;
  return { usage: { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, totalTokens: usage.total_tokens, ...(image !== undefined ? { inputImageTokens: image } : {}) } };
}

export function openaiErrorOf(body: unknown): { message: string; code: string | null } {
  const parsed = OpenAIErrorAnswer.safeParse(body);
  return parsed.success ? { message: parsed.data.error.message, code: parsed.data.error.code ?? null } : { message: "", code: null };
}
