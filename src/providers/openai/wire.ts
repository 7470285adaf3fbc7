import * as z from "zod";
import { CATALOGUE, type JobSpec } from "../../catalogue";
import type { UpstreamCost } from "../types";

// OpenAI Images API wire shapes (PROVIDERS.md) and the mapping both ways. Always `model`; never `response_format`
// (GPT image models answer base64 only).

/** The answer without its base64 (b64-stream.ts replaces each b64_json value with ""). */
export const OpenAIAnswerSkeleton = z.object({
  data: z.array(z.object({ b64_json: z.string() })),
  usage: z
    .object({ input_tokens: z.number(), output_tokens: z.number(), total_tokens: z.number() })
    .optional(),
});
export type OpenAIAnswerSkeleton = z.infer<typeof OpenAIAnswerSkeleton>;

export const OpenAIErrorAnswer = z.object({
  error: z.object({ message: z.string(), type: z.string().nullable().optional(), code: z.string().nullable().optional() }),
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
  ];
}

export function toOpenAIGeneration(spec: JobSpec): Record<string, string | number> {
  return Object.fromEntries(parameters(spec));
}

/** The multipart fields of an edit (the image files go as `image[]`). */
export function toOpenAIEditFields(spec: JobSpec): [string, string][] {
  const fields = parameters(spec).map(([k, v]): [string, string] => [k, String(v)]);
  if (CATALOGUE[spec.model].references.inputFidelity && spec.inputFidelity !== null) fields.push(["input_fidelity", spec.inputFidelity]);
  return fields;
}

export function fromOpenAIUsage(answer: OpenAIAnswerSkeleton): UpstreamCost | undefined {
  const usage = answer.usage;
  return usage && { usage: { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, totalTokens: usage.total_tokens } };
}

export function openaiErrorOf(body: unknown): { message: string; code: string | null } {
  const parsed = OpenAIErrorAnswer.safeParse(body);
  return parsed.success ? { message: parsed.data.error.message, code: parsed.data.error.code ?? null } : { message: "", code: null };
}
