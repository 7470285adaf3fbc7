import * as z from "../../lib/zod";
import { CATALOGUE, type Complexity, type JobSpec, type Quality, type Strength } from "../../catalogue";
import type { PollOutcome, UpstreamCost } from "../types";

// Leonardo.AI's wire shapes (PROVIDERS.md) and the mapping both ways. Schemas are lenient where the provider's
// documentation is: extra fields pass, and the older v1 create shape is read too.

const CreatedJob = z.object({ generationId: z.string().check(z.minLength(1)), apiCreditCost: z.optional(z.number()) });

export const LeonardoCreateAnswer = z
  .object({ generate: z.optional(CreatedJob), sdGenerationJob: z.optional(CreatedJob) })
  .check(z.refine((v) => v.generate !== undefined || v.sdGenerationJob !== undefined, "no generationId"));
export type LeonardoCreateAnswer = z.infer<typeof LeonardoCreateAnswer>;

export const LeonardoGeneration = z.object({
  id: z.string(),
  status: z.enum(["PENDING", "COMPLETE", "FAILED"]),
  generated_images: z.array(z.object({ id: z.string(), url: z.string(), nsfw: z.optional(z.boolean()) })),
});

/** GET /v1/generations/:id; `generations_by_pk` is null for an unknown or deleted id. */
export const LeonardoPollAnswer = z.object({ generations_by_pk: z.nullable(LeonardoGeneration) });
export type LeonardoPollAnswer = z.infer<typeof LeonardoPollAnswer>;

export const LeonardoInitImageAnswer = z.object({
  uploadInitImage: z.object({ id: z.string().check(z.minLength(1)), url: z.string().check(z.minLength(1)), fields: z.string(), key: z.optional(z.string()) }),
});

/** The completion callback: only its generation id is read (and then confirmed by a poll). */
export const LeonardoCallback = z.object({
  type: z.string(),
  data: z.object({ object: z.object({ id: z.string().check(z.minLength(1)) }) }),
});

export const LeonardoErrorAnswer = z.union([
  z.object({ error: z.string() }),
  z.array(z.object({ message: z.string() })).check(z.minLength(1)),
]);

export interface LeonardoCreateBody {
  public: false;
  /** The catalogue's leonardoId (`openai/…` for 2.5 and 2.6). */
  model: string;
  parameters: {
    prompt: string;
    quality: "LOW" | "MEDIUM" | "HIGH";
    quantity: number;
    width: number;
    height: number;
    seed?: number;
    prompt_enhance: "ON" | "OFF";
    complexity?: Uppercase<Complexity>;
    guidances?: { image_reference: { image: { id: string; type: "UPLOADED" }; strength?: Strength }[] };
  };
}

/** Leonardo has no "auto": imagegate prices auto like high, so auto asks for HIGH. Routing never sends it xhigh or max. */
const QUALITY: Partial<Record<Quality, LeonardoCreateBody["parameters"]["quality"]>> = { low: "LOW", medium: "MEDIUM", high: "HIGH", auto: "HIGH" };

/** The create body for `spec` (its quantity is this call's); `uploadedIds` are the init-image ids of its references. */
export function toLeonardoCreate(spec: JobSpec, uploadedIds: string[]): LeonardoCreateBody {
  const entry = CATALOGUE[spec.model];
  const parameters: LeonardoCreateBody["parameters"] = {
    prompt: spec.prompt,
    quality: QUALITY[spec.quality]!,
    // Always sent: some Leonardo models default to 4 images.
    quantity: spec.quantity,
    width: spec.width,
    height: spec.height,
    prompt_enhance: spec.promptEnhance ? "ON" : "OFF",
  };
  if (entry.leonardoSeed && spec.seed !== null) parameters.seed = spec.seed;
  if (spec.complexity) parameters.complexity = spec.complexity.toUpperCase() as Uppercase<Complexity>;
  if (uploadedIds.length > 0) {
    const strength = entry.references.strength && spec.referenceStrength ? { strength: spec.referenceStrength } : {};
    parameters.guidances = { image_reference: uploadedIds.map((id) => ({ image: { id, type: "UPLOADED" as const }, ...strength })) };
  }
  return { public: false, model: entry.leonardoId, parameters };
}

export function fromLeonardoCreate(answer: LeonardoCreateAnswer): { upstreamId: string; cost?: UpstreamCost } {
  const job = (answer.generate ?? answer.sdGenerationJob)!;
  return { upstreamId: job.generationId, cost: job.apiCreditCost === undefined ? undefined : { apiCreditCost: job.apiCreditCost } };
}

/** A poll answer as the job sees it; the images are Leonardo's CDN URLs (opened later). */
export function fromLeonardoPoll(answer: LeonardoPollAnswer, quantity: number): PollOutcome {
  const generation = answer.generations_by_pk;
  if (generation === null) return { kind: "failed", error: { class: "fatal", message: "leonardo no longer knows the generation" } };
  if (generation.status === "PENDING") return { kind: "running", progress: null };
  // The REST schema gives no reason for a failure: it is treated as a non-content failure (fall back).
  if (generation.status === "FAILED") return { kind: "failed", error: { class: "retryable", message: "leonardo reported the generation FAILED" } };
  const images = generation.generated_images.map((image) => image.url);
  if (images.length !== quantity) {
    return { kind: "failed", error: { class: "retryable", message: `leonardo returned ${images.length} of ${quantity} images` } };
  }
  return { kind: "completed", images };
}

/** The message of an error answer in either of Leonardo's two forms. */
export function leonardoErrorMessage(body: unknown): string {
  const parsed = LeonardoErrorAnswer.safeParse(body);
  if (!parsed.success) return "";
  return Array.isArray(parsed.data) ? parsed.data.map((e) => e.message).join("; ") : parsed.data.error;
}
