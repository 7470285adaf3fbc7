import { backoffMs } from "../lib/retry";
import { providerByName } from "../providers/registry";
import { reportOutcomes } from "./provider-health";
import type { Attempt, JobRecord, Step } from "./record";
import { nextCandidate, providerContext, type MachineDeps } from "./transitions";
import { cancelParts, upstreamStep } from "./dispatch";

// One step of a job's life per call: upstream (create, poll, retry, fall back) → ingest → end. Each step stores what
// it learned before the next begins, so an alarm that dies anywhere resumes from the stored step.

export { failJob, firstStep, type MachineDeps } from "./transitions";
export { pollNow } from "./dispatch";

const MAX_INGEST_ERRORS = 4;

async function ingest(rec: JobRecord, step: Extract<Step, { kind: "ingest" }>, deps: MachineDeps): Promise<JobRecord> {
  const provider = providerByName(step.provider);
  let current = rec;
  try {
    for (let index = current.files.length; index < step.images.length; index++) {
      const image = step.images[index]!;
      if (typeof image !== "string") {
        current = { ...current, files: [...current.files, image.stored] };
        continue;
      }
      const ctx = providerContext(deps, rec, { attempt: 0, part: 0, firstIndex: index });
      const opened = await provider.open(image, rec.spec, ctx);
      const file = await ctx.store(0, opened.body);
      current = { ...current, files: [...current.files, file] };
      await deps.save(current);
    }
  } catch (err) {
    const error = provider.classifyError(err);
    if (step.errors + 1 >= MAX_INGEST_ERRORS) {
      // The upstream job is done but its images cannot be had: treat it as that provider failing.
      const detail = `could not copy the images: ${error.message}`;
      await reportOutcomes(deps.env, step.provider, [{ at: deps.now(), ok: false, ms: 0 }], [], deps.now());
      const after = { ...current, files: [], attempts: [...current.attempts, { provider: step.provider, outcome: "retryable" as const, ms: 0, at: deps.now(), detail }] };
      return nextCandidate(after, step.candidate, { class: "retryable", message: detail }, deps.now());
    }
    return { ...current, step: { ...step, errors: step.errors + 1 }, wakeAt: deps.now() + backoffMs(step.errors + 1, 1000, 10_000) };
  }
  return { ...current, status: "COMPLETED", progress: 100, completedAt: deps.now(), step: { kind: "end" }, wakeAt: null };
}

/** Runs the job's due step and returns its next state. */
export async function advance(rec: JobRecord, deps: MachineDeps): Promise<JobRecord> {
  const next = await stepOf(rec, deps);
  // Images the provider stored as it answered need no copying: their ingest runs at once, saved with the end.
  const stored = next.step.kind === "ingest" && next.step.images.every((image) => typeof image !== "string");
  return stored ? stepOf(next, deps) : next;
}

async function stepOf(rec: JobRecord, deps: MachineDeps): Promise<JobRecord> {
  const step = rec.step;
  switch (step.kind) {
    case "upstream":
      return upstreamStep(rec, step, deps);
    case "ingest":
      return ingest(rec, step, deps);
    case "end":
      return rec;
  }
}

/**
 * Best effort: cancels the upstream jobs of a job that ends early (deadline, client cancel) where the provider can,
 * but those in `except` (already cancelled). Returns what became of each, as attempts to record.
 */
export async function cancelUpstream(rec: JobRecord, deps: MachineDeps, except?: ReadonlySet<string | undefined>): Promise<Attempt[]> {
  if (rec.step.kind !== "upstream" || rec.step.parts.length === 0) return [];
  return cancelParts(rec, rec.step.parts, providerByName(rec.candidates[rec.step.candidate]!), deps, except);
}
