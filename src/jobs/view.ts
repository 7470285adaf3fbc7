import type { Env } from "../env";
import { mintFileUrl } from "../files/signing";
import type { JobRecord } from "./record";
import type { JobView } from "./view.docs";

// The job as clients see it (SPEC §2.1): seed 002's shape plus imagegate's extensions (its schema: view.docs.ts).

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
