import type { Env } from "../env";
import { backoffMs } from "../lib/retry";
import { jobFileKey, storeImage } from "../files/store";
import { providerByName } from "../providers/registry";
import type { ClassifiedError, Provider, ProviderContext } from "../providers/types";
import type { Attempt, JobErrorCode, JobRecord, Step } from "./record";

// One step of a job's life per call: dispatch → poll → ingest → end. Each step stores what it learned before the
// next begins, so an alarm that dies anywhere resumes from the stored step.

export interface MachineDeps {
  env: Env;
  now: () => number;
  /** Persists an intermediate state within a step (e.g. before an upstream create, after each stored file). */
  save: (rec: JobRecord) => Promise<void>;
}

const MAX_SUBMIT_TRIES = 3;
const MAX_POLL_ERRORS = 6;
const MAX_INGEST_ERRORS = 4;

const NO_FALLBACK: Record<string, JobErrorCode> = { moderated: "moderated", invalid: "invalid", auth: "auth" };

export function failJob(rec: JobRecord, code: JobErrorCode, message: string, now: number): JobRecord {
  return { ...rec, status: "FAILED", error: message, errorCode: code, completedAt: now, step: { kind: "end" }, wakeAt: null };
}

const context = (deps: MachineDeps, rec: JobRecord, attempt: number): ProviderContext => ({
  env: deps.env,
  jobId: rec.id,
  attempt,
  now: deps.now(),
});

function withAttempt(rec: JobRecord, attempt: Attempt): JobRecord {
  return { ...rec, attempts: [...rec.attempts, attempt] };
}

/** The next candidate after a failed attempt, or the end of the job when none is left. */
function nextCandidate(rec: JobRecord, error: ClassifiedError, now: number): JobRecord {
  const noFallback = NO_FALLBACK[error.class];
  if (noFallback) return failJob(rec, noFallback, error.message, now);
  const candidate = rec.step.kind === "dispatch" ? rec.step.candidate + 1 : rec.candidates.indexOf(rec.provider ?? "sandbox") + 1;
  if (candidate >= rec.candidates.length) return failJob(rec, "provider_error", `Every provider failed; last error: ${error.message}`, now);
  const step: Step = { kind: "dispatch", candidate, attempt: rec.attempts.length + 1, tries: 0, sending: false };
  return { ...rec, step, wakeAt: now };
}

async function dispatch(rec: JobRecord, step: Extract<Step, { kind: "dispatch" }>, deps: MachineDeps): Promise<JobRecord> {
  const name = rec.candidates[step.candidate]!;
  const provider = providerByName(name);
  const started = deps.now();
  if (step.sending && !provider.idempotentSubmit) {
    // A create was sent and we never heard back: re-sending could make a second upstream job.
    const after = withAttempt(rec, { provider: name, outcome: "unknown", ms: 0, at: started, detail: "create interrupted; not re-sent" });
    return nextCandidate(after, { class: "retryable", message: `${name} create outcome unknown` }, started);
  }
  await deps.save({ ...rec, step: { ...step, sending: true } });
  try {
    const outcome = await provider.submit(rec.spec, context(deps, rec, step.attempt));
    const ms = deps.now() - started;
    const base = { ...rec, provider: name, status: "PROCESSING" as const, progress: rec.progress ?? 0 };
    if (outcome.kind === "accepted") {
      return {
        ...withAttempt(base, { provider: name, outcome: "accepted", ms, at: started, upstreamId: outcome.upstreamId, cost: outcome.cost }),
        step: { kind: "poll", provider: name, upstreamId: outcome.upstreamId, attempt: step.attempt, errors: 0 },
        wakeAt: deps.now() + outcome.pollInMs,
      };
    }
    return {
      ...withAttempt(base, { provider: name, outcome: "completed", ms, at: started, upstreamId: outcome.upstreamId, cost: outcome.cost }),
      step: { kind: "ingest", provider: name, attempt: step.attempt, images: outcome.images, errors: 0 },
      wakeAt: deps.now(),
    };
  } catch (err) {
    const error = provider.classifyError(err);
    const at = deps.now();
    const after = withAttempt(rec, { provider: name, outcome: error.class, ms: at - started, at: started, detail: error.message });
    if ((error.class === "retryable" || error.class === "rate_limited") && step.tries + 1 < MAX_SUBMIT_TRIES) {
      const wait = Math.max(error.retryAfterMs ?? 0, backoffMs(step.tries, 500, 8000));
      if (at + wait < rec.deadlineAt) {
        return { ...after, step: { ...step, attempt: after.attempts.length + 1, tries: step.tries + 1, sending: false }, wakeAt: at + wait };
      }
    }
    return nextCandidate(after, error, at);
  }
}

async function poll(rec: JobRecord, step: Extract<Step, { kind: "poll" }>, deps: MachineDeps): Promise<JobRecord> {
  const provider = providerByName(step.provider);
  try {
    const outcome = await provider.poll(step.upstreamId, rec.spec, context(deps, rec, step.attempt));
    if (outcome.kind === "running") {
      return { ...rec, progress: outcome.progress ?? rec.progress, step: { ...step, errors: 0 }, wakeAt: deps.now() + outcome.pollInMs };
    }
    if (outcome.kind === "completed") {
      return { ...rec, step: { kind: "ingest", provider: step.provider, attempt: step.attempt, images: outcome.images, errors: 0 }, wakeAt: deps.now() };
    }
    const after = withAttempt(rec, { provider: step.provider, outcome: outcome.error.class, ms: 0, at: deps.now(), upstreamId: step.upstreamId, detail: outcome.error.message });
    return nextCandidate(after, outcome.error, deps.now());
  } catch (err) {
    const error = provider.classifyError(err);
    if (step.errors + 1 >= MAX_POLL_ERRORS || NO_FALLBACK[error.class]) {
      const after = withAttempt(rec, { provider: step.provider, outcome: error.class, ms: 0, at: deps.now(), upstreamId: step.upstreamId, detail: `polling failed: ${error.message}` });
      return nextCandidate(after, error, deps.now());
    }
    return { ...rec, step: { ...step, errors: step.errors + 1 }, wakeAt: deps.now() + Math.max(error.retryAfterMs ?? 0, backoffMs(step.errors, 1000, 10_000)) };
  }
}

async function ingest(rec: JobRecord, step: Extract<Step, { kind: "ingest" }>, deps: MachineDeps): Promise<JobRecord> {
  const provider: Provider = providerByName(step.provider);
  let current = rec;
  try {
    for (let index = current.files.length; index < step.images.length; index++) {
      const opened = await provider.open(step.images[index]!, rec.spec, context(deps, rec, step.attempt));
      const file = await storeImage(deps.env.FILES, opened.body, {
        keyFor: (ext) => jobFileKey(rec.id, index, ext),
        metadata: { jobId: rec.id, accountId: rec.accountId, visibility: rec.public ? "public" : "private" },
      });
      current = { ...current, files: [...current.files, file] };
      await deps.save(current);
    }
  } catch (err) {
    const error = provider.classifyError(err);
    if (step.errors + 1 >= MAX_INGEST_ERRORS) {
      // The upstream job is done but its images cannot be had: treat it as that provider failing.
      const detail = `could not copy the images: ${error.message}`;
      const after = withAttempt({ ...current, files: [] }, { provider: step.provider, outcome: "retryable", ms: 0, at: deps.now(), detail });
      return nextCandidate(after, { class: "retryable", message: detail }, deps.now());
    }
    return { ...current, step: { ...step, errors: step.errors + 1 }, wakeAt: deps.now() + backoffMs(step.errors + 1, 1000, 10_000) };
  }
  return { ...current, status: "COMPLETED", progress: 100, completedAt: deps.now(), step: { kind: "end" }, wakeAt: null };
}

/** Runs the job's due step and returns its next state. */
export async function advance(rec: JobRecord, deps: MachineDeps): Promise<JobRecord> {
  const step = rec.step;
  switch (step.kind) {
    case "dispatch":
      return dispatch(rec, step, deps);
    case "poll":
      return poll(rec, step, deps);
    case "ingest":
      return ingest(rec, step, deps);
    case "end":
      return rec;
  }
}
