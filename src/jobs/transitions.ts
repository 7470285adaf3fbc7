import type { Env } from "../env";
import { jobFileKey, storeImage } from "../files/store";
import { OUTPUT_IMAGES } from "../lib/sniff";
import type { StoredFile } from "../files/stored-file";
import type { ClassifiedError, ErrorClass, ProviderContext } from "../providers/types";
import type { JobErrorCode, JobRecord, Step } from "./record";
import { referenceAccess } from "./reference-access";

// What every step of the machine shares: its dependencies, the provider context, and the ways a job moves on.

export interface MachineDeps {
  env: Env;
  now: () => number;
  /** Persists an intermediate state within a step (e.g. before an upstream create, after each stored file). */
  save: (rec: JobRecord) => Promise<void>;
  /** Hands the job a partial render of its image `index` (best effort: never throws). */
  partial: (rec: JobRecord, index: number, partialIndex: number, body: ReadableStream<Uint8Array>) => Promise<void>;
  /** Hands over the bytes of a small image just stored, for the request waiting to answer with them. */
  keep?: (file: StoredFile, bytes: Uint8Array) => void;
}

/** Errors that end the job at once: no retry, no fallback (SPEC §4.3). */
export const NO_FALLBACK: Partial<Record<ErrorClass, JobErrorCode>> = { moderated: "moderated", invalid: "invalid", auth: "auth" };

export const firstStep = (): Step => ({ kind: "upstream", candidate: 0, parts: [] });

export function failJob(rec: JobRecord, code: JobErrorCode, message: string, now: number): JobRecord {
  return { ...rec, status: "FAILED", error: message, errorCode: code, completedAt: now, step: { kind: "end" }, wakeAt: null };
}

/** The next candidate after the provider at `candidate` failed, or the end of the job when none is left. */
export function nextCandidate(rec: JobRecord, candidate: number, error: ClassifiedError, now: number): JobRecord {
  const noFallback = NO_FALLBACK[error.class];
  if (noFallback) return failJob(rec, noFallback, error.message, now);
  if (candidate + 1 >= rec.candidates.length) return failJob(rec, "provider_error", `Every provider failed; last error: ${error.message}`, now);
  return { ...rec, step: { kind: "upstream", candidate: candidate + 1, parts: [] }, wakeAt: now };
}

export interface PartPlace {
  attempt: number;
  part: number;
  firstIndex: number;
}

/** The context an adapter call runs in; `store` writes the part's n-th image as the job's file firstIndex + n, `partial` its previews. */
export function providerContext(deps: MachineDeps, rec: JobRecord, place: PartPlace): ProviderContext {
  const now = deps.now();
  return {
    env: deps.env,
    jobId: rec.id,
    accountId: rec.accountId,
    origin: rec.origin,
    createdAt: rec.createdAt,
    deadlineAt: rec.deadlineAt,
    ...place,
    now,
    ...referenceAccess(deps.env, rec, now),
    store: (n, body) =>
      storeImage(deps.env.FILES, body, {
        keyFor: (ext) => jobFileKey(rec.id, place.firstIndex + n, ext),
        metadata: { jobId: rec.id, accountId: rec.accountId, visibility: rec.public ? "public" : "private" },
        accept: OUTPUT_IMAGES,
        ...(deps.keep ? { keep: deps.keep } : {}),
      }),
    partial: (n, partialIndex, body) => deps.partial(rec, place.firstIndex + n, partialIndex, body),
  };
}
