// Zod schemas of every upstream response and callback shape (PROVIDERS.md). The simulator emits exactly these; the
// gateway's adapters and the tests may parse with them. Objects are non-strict (unknown keys are stripped), because a
// real provider may add fields; tests that want exact keys compare Object.keys themselves.
import { z } from "zod";

const isoDate = z.iso.datetime();

// ── Leonardo ────────────────────────────────────────────────────────────────────────────────────────────────────────

export const leonardoCreateResponseSchema = z.object({
  generate: z.object({ generationId: z.uuid(), apiCreditCost: z.number() }),
});

export const leonardoImageSchema = z.object({ id: z.uuid(), url: z.url(), nsfw: z.boolean() });

export const leonardoGenerationSchema = z.object({
  id: z.uuid(),
  status: z.enum(["PENDING", "COMPLETE", "FAILED"]),
  generated_images: z.array(leonardoImageSchema),
  prompt: z.string(),
  imageWidth: z.int(),
  imageHeight: z.int(),
  seed: z.int().nullable(),
  modelId: z.string(),
  public: z.boolean(),
  createdAt: isoDate,
});

/** GET /v1/generations/:id — `generations_by_pk` is null for an unknown or deleted id (Hasura style). */
export const leonardoPollResponseSchema = z.object({ generations_by_pk: leonardoGenerationSchema.nullable() });

export const leonardoDeleteResponseSchema = z.object({
  delete_generations_by_pk: z.object({ id: z.uuid() }).nullable(),
});

export const leonardoInitImageResponseSchema = z.object({
  uploadInitImage: z.object({ id: z.uuid(), url: z.url(), fields: z.string(), key: z.string() }),
});

export const leonardoCallbackSchema = z.object({
  type: z.literal("image_generation.complete"),
  object: z.literal("generation"),
  timestamp: z.int(),
  api_version: z.literal("v1"),
  data: z.object({
    object: z.object({
      id: z.uuid(),
      status: z.literal("COMPLETE"),
      images: z.array(z.object({ id: z.uuid(), url: z.url(), generationId: z.uuid(), nsfw: z.boolean() })),
      apiDollarCost: z.string(),
      apiKey: z.object({ webhookCallbackApiKey: z.string().nullable() }).loose(),
    }),
  }),
});

/** Leonardo's two error forms: the REST envelope, and the array some v2 (GraphQL-backed) errors come as. */
export const leonardoErrorEnvelopeSchema = z.object({ error: z.string(), path: z.string(), code: z.string() });
export const leonardoErrorArraySchema = z.array(
  z.object({ message: z.string(), extensions: z.object({ code: z.string() }) }),
);
export const leonardoErrorSchema = z.union([leonardoErrorEnvelopeSchema, leonardoErrorArraySchema]);

// ── apiframe ────────────────────────────────────────────────────────────────────────────────────────────────────────

export const apiframeStatusSchema = z.enum(["QUEUED", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"]);

export const apiframeCreateResponseSchema = z.object({ jobId: z.uuid(), status: z.literal("QUEUED") });

/** `result` is `{ images }`, or on older responses a bare URL string. */
export const apiframeResultSchema = z.union([z.object({ images: z.array(z.url()) }), z.url()]);

export const apiframeJobSchema = z.object({
  id: z.uuid(),
  status: apiframeStatusSchema,
  model: z.string(),
  progress: z.int().min(0).max(100).nullable(),
  result: apiframeResultSchema.nullable(),
  error: z.string().nullable(),
  creditCost: z.number(),
  webhookStatus: z.enum(["pending", "delivered", "failed"]).nullable(),
  createdAt: isoDate,
  completedAt: isoDate.nullable(),
  expired: z.boolean(),
});

export const apiframeCancelResponseSchema = z.object({ jobId: z.uuid(), status: z.literal("CANCELLED") });

export const apiframeCallbackSchema = z.discriminatedUnion("event", [
  z.object({
    event: z.literal("completed"),
    jobId: z.uuid(),
    status: z.literal("COMPLETED"),
    progress: z.literal(100),
    result: apiframeResultSchema,
    model: z.string(),
    creditCost: z.number(),
    completedAt: isoDate,
  }),
  z.object({ event: z.literal("failed"), jobId: z.uuid(), status: z.literal("FAILED"), error: z.string(), model: z.string() }),
  z.object({
    event: z.literal("progress"),
    jobId: z.uuid(),
    status: z.literal("PROCESSING"),
    progress: z.int().min(0).max(100),
    model: z.string(),
  }),
]);

export const apiframeValidationErrorSchema = z.object({
  error: z.string(),
  details: z.record(z.string(), z.array(z.string())),
});
export const apiframeInsufficientCreditsSchema = z.object({
  error: z.literal("Insufficient credits"),
  creditsRequired: z.number(),
  creditsAvailable: z.number(),
});
export const apiframeErrorSchema = z.object({ error: z.string() });

// ── OpenAI ──────────────────────────────────────────────────────────────────────────────────────────────────────────

export const openaiUsageSchema = z.object({
  input_tokens: z.int(),
  input_tokens_details: z.object({ image_tokens: z.int(), text_tokens: z.int() }),
  output_tokens: z.int(),
  total_tokens: z.int(),
});

export const openaiImagesResponseSchema = z.object({
  created: z.int(),
  background: z.enum(["transparent", "opaque"]),
  /** gif and svg (GPT Image 2.6) carry the GIF or SVG file in b64_json. */
  output_format: z.enum(["png", "jpeg", "webp", "gif", "svg"]),
  quality: z.enum(["low", "medium", "high", "xhigh", "max"]),
  size: z.string().regex(/^\d+x\d+$/),
  data: z.array(z.object({ b64_json: z.base64() })).min(1),
  usage: openaiUsageSchema,
});

const streamCommon = {
  b64_json: z.base64(),
  created_at: z.int(),
  size: z.string(),
  quality: z.string(),
  background: z.string(),
  output_format: z.string(),
};

/** One `data:` payload of the SSE stream; the SSE `event:` name equals `type`. */
export const openaiStreamEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("image_generation.partial_image"), partial_image_index: z.int().min(0), ...streamCommon }),
  z.object({ type: z.literal("image_generation.completed"), usage: openaiUsageSchema, ...streamCommon }),
  z.object({ type: z.literal("image_edit.partial_image"), partial_image_index: z.int().min(0), ...streamCommon }),
  z.object({ type: z.literal("image_edit.completed"), usage: openaiUsageSchema, ...streamCommon }),
]);

/** GET /v1/models/:id, and each entry of GET /v1/models: `shutdown_date` is YYYY-MM-DD, or null if none is announced. */
export const openaiModelSchema = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.int(),
  owned_by: z.string(),
  shutdown_date: z.iso.date().nullable(),
});
export const openaiModelListSchema = z.object({ object: z.literal("list"), data: z.array(openaiModelSchema) });

export const openaiErrorSchema = z.object({
  error: z.object({ message: z.string(), type: z.string(), param: z.string().nullable(), code: z.string().nullable() }),
});
