import type { Env } from "../env";
import { mintFileUrl } from "../files/signing";
import type { JobRecord } from "./record";
import type { JobView } from "./view.docs";

// The job as clients see it (SPEC §2.1): seed 002's shape plus imagegate's extensions (its schema: view.docs.ts).

/** The parts of a job its view shows (of its spec, the model): what a JobDO's event stream carries. */
export type ViewedJob = Pick<
  JobRecord,
  "id" | "status" | "upgrade" | "provider" | "progress" | "files" | "public" | "error" | "errorCode" | "creditCost" | "webhookStatus" | "createdAt" | "completedAt" | "attempts" | "input" | "metadata"
> & { spec: Pick<JobRecord["spec"], "model"> };

export const viewedJob = (rec: JobRecord): ViewedJob => ({
  id: rec.id,
  status: rec.status,
  spec: { model: rec.spec.model },
  ...(rec.upgrade ? { upgrade: rec.upgrade } : {}),
  provider: rec.provider,
  progress: rec.progress,
  files: rec.files,
  public: rec.public,
  error: rec.error,
  errorCode: rec.errorCode,
  creditCost: rec.creditCost,
  webhookStatus: rec.webhookStatus,
  createdAt: rec.createdAt,
  completedAt: rec.completedAt,
  attempts: rec.attempts,
  input: rec.input,
  metadata: rec.metadata,
});

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export async function jobView(env: Env, rec: ViewedJob, origin: string, now: number): Promise<JobView> {
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
