import * as z from "zod";
import type { Env } from "../env";
import { mintFileUrl } from "../files/signing";
import { JOB_STATUSES, type JobRecord } from "./record";

// The job as clients see it (SPEC §2.1): seed 002's shape plus imagegate's extensions.

export const JobFile = z.object({
  url: z.string(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  contentType: z.string(),
  byteSize: z.number(),
  sha256: z.string(),
});

export const JobView = z
  .object({
    id: z.string(),
    status: z.enum(JOB_STATUSES),
    model: z.string().meta({ description: "The model that serves the job." }),
    requestedModel: z.string().meta({ description: "The model the request named; another than `model` when a retired model was upgraded." }),
    modelUpgrade: z
      .object({
        from: z.string(),
        to: z.string(),
        dropped: z.array(z.string()).meta({ description: "Settings of the request the serving model does not take (e.g. `referenceStrength`, `inputFidelity`), left out." }),
      })
      .nullable()
      .meta({ description: "Set when the operator's RETIRED_MODEL_UPGRADES served a retired model's request with its successor." }),
    provider: z.string().nullable(),
    progress: z.number().nullable(),
    result: z.object({ images: z.array(z.string()), files: z.array(JobFile) }).nullable(),
    error: z.string().nullable(),
    errorCode: z.string().nullable(),
    creditCost: z.number(),
    webhookStatus: z.enum(["pending", "delivered", "failed"]).nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
    attempts: z.array(
      z.object({ provider: z.string(), outcome: z.string(), ms: z.number(), upstreamId: z.string().optional(), detail: z.string().optional() }),
    ),
    input: z.unknown(),
    metadata: z.record(z.string(), z.string()),
  })
  .meta({ id: "Job" });

export type JobView = z.infer<typeof JobView>;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export async function jobView(env: Env, rec: JobRecord, origin: string, now: number): Promise<JobView> {
  const urls = await Promise.all(rec.files.map((f) => mintFileUrl(env, origin, f.key, rec.public, now)));
  const files = rec.files.map((f, i) => ({
    url: urls[i]!,
    width: f.width,
    height: f.height,
    contentType: f.contentType,
    byteSize: f.byteSize,
    sha256: f.sha256,
  }));
  return {
    id: rec.id,
    status: rec.status,
    model: rec.spec.model,
    requestedModel: rec.upgrade?.from ?? rec.spec.model,
    modelUpgrade: rec.upgrade ? { from: rec.upgrade.from, to: rec.upgrade.to, dropped: [...rec.upgrade.dropped] } : null,
    provider: rec.provider,
    progress: rec.progress,
    result: rec.status === "COMPLETED" ? { images: urls, files } : null,
    error: rec.error,
    errorCode: rec.errorCode,
    creditCost: rec.creditCost,
    webhookStatus: rec.webhookStatus,
    createdAt: iso(rec.createdAt)!,
    completedAt: iso(rec.completedAt),
    attempts: rec.attempts.map(({ provider, outcome, ms, upstreamId, detail }) => ({ provider, outcome, ms, upstreamId, detail })),
    input: rec.input,
    metadata: rec.metadata,
  };
}
