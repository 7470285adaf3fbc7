import type { Reference } from "../catalogue";
import { openReference, ReferenceNotFound } from "../files/references";
import { UnsupportedImage } from "../files/store";
import { storeUpload } from "../files/uploads";
import { FetchFailed, UrlRefused } from "../lib/fetch-errors";
import type { JobRecord } from "./record";
import { failJob, type MachineDeps } from "./transitions";

// Before the first upstream call, every URL reference is copied into R2 (through the SSRF guard, once per job), and
// the job's spec names the copy instead. From then on every adapter reads references from imagegate's own storage:
// Leonardo and OpenAI upload its bytes, apiframe receives signed imagegate URLs. A user URL is never given upstream.

export const hasUrlReferences = (rec: JobRecord): boolean => rec.spec.references.some((ref) => ref.kind === "url");

function whyUnusable(err: unknown): string | null {
  if (err instanceof UrlRefused) return `is refused: ${err.reason}`;
  if (err instanceof FetchFailed) return `could not be fetched: ${err.reason}`;
  if (err instanceof ReferenceNotFound || err instanceof UnsupportedImage) return `is unusable: ${err.message}`;
  return null;
}

/**
 * Copies the URL references in order. The first that fails ends the copying and the job, and the copies made before
 * it are deleted: a job that cannot run keeps nothing it fetched (and the admission already charged each fetch to the
 * key's rate limit).
 */
export async function copyUrlReferences(rec: JobRecord, deps: MachineDeps): Promise<JobRecord> {
  const references: Reference[] = [];
  const copies: string[] = [];
  for (const [index, ref] of rec.spec.references.entries()) {
    if (ref.kind !== "url") {
      references.push(ref);
      continue;
    }
    try {
      const opened = await openReference(deps.env, rec.accountId, ref, deps.now());
      const upload = await storeUpload(deps.env.FILES, rec.accountId, opened.body, deps.now());
      copies.push(upload.file.key);
      references.push({ kind: "upload", id: upload.id });
    } catch (err) {
      if (copies.length > 0) await deps.env.FILES.delete(copies);
      const why = whyUnusable(err);
      if (why === null) throw err;
      return failJob(rec, "invalid", `Reference image ${index} (${ref.url.slice(0, 200)}) ${why}.`, deps.now());
    }
  }
  return { ...rec, spec: { ...rec.spec, references }, wakeAt: deps.now() };
}
