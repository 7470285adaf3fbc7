import { CATALOGUE } from "../../catalogue";
import type { Env } from "../../env";
import { generatedImageId } from "../../files/references";
import { mintFileUrl } from "../../files/signing";
import type { JobRecord, JobStatus } from "../../jobs/record";
import type { GenerationByPk } from "./responses";

// A job as Leonardo's GET /v1/generations/:id shows a generation (PROVIDERS.md). Images appear once it is COMPLETE;
// their ids are what a later request names as `type: "GENERATED"` references.

const STATUS: Record<JobStatus, "PENDING" | "COMPLETE" | "FAILED"> = {
  QUEUED: "PENDING",
  PROCESSING: "PENDING",
  COMPLETED: "COMPLETE",
  FAILED: "FAILED",
  CANCELLED: "FAILED",
};

export async function generationView(env: Env, rec: JobRecord, origin: string, now: number): Promise<GenerationByPk> {
  const status = STATUS[rec.status];
  const images = status === "COMPLETE"
    ? await Promise.all(rec.files.map(async (file, n) => ({ id: generatedImageId(rec.id, n), url: await mintFileUrl(env, origin, file.key, rec.public, now), nsfw: false })))
    : [];
  return {
    id: rec.id,
    status,
    generated_images: images,
    prompt: rec.spec.prompt,
    imageWidth: rec.spec.width,
    imageHeight: rec.spec.height,
    seed: rec.spec.seed,
    modelId: CATALOGUE[rec.spec.model].leonardoId,
    public: rec.public,
    createdAt: new Date(rec.createdAt).toISOString(),
  };
}
