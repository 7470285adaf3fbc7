import { backoffMs } from "../lib/retry";
import { providerByName } from "../providers/registry";
import type { ClassifiedError, Provider } from "../providers/types";
import { isBlocked, type Health, type Sample } from "./circuit";
import { claimCall, reportOutcomes, routingHealth } from "./provider-health";
import type { Attempt, JobRecord, Part, Step } from "./record";
import { copyUrlReferences, hasUrlReferences } from "./references-prep";
import { failJob, nextCandidate, NO_FALLBACK, providerContext, type MachineDeps } from "./transitions";
import type { UpstreamLink } from "./provider-health-do";

// The upstream step (SPEC §4.2–4.4): one candidate provider at a time. Its parts (a fan-out of quantities above the
// provider's per-call limit) are created in parallel, polled (2 s × 1.5 up to 5 s) and, when one fails, retried or
// abandoned for the next candidate. A job is never completed with fewer images than it asked for.

type UpstreamStep = Extract<Step, { kind: "upstream" }>;

const MAX_TRIES = 3;
const MAX_POLL_ERRORS = 6;
/** The longest Retry-After a job waits for before it falls back instead (its "patience"). */
export const MAX_RATE_LIMIT_WAIT_MS = 60_000;
const FIRST_POLL_MS = 2000;
const MAX_POLL_MS = 5000;

export const pollDelayMs = (polls: number): number => Math.min(MAX_POLL_MS, Math.round(FIRST_POLL_MS * 1.5 ** polls));

const newPart = (quantity: number, attempt: number, at: number): Part => ({
  quantity, attempt, state: "queued", tries: 0, at, upstreamId: null, polls: 0, pollErrors: 0, progress: null, startedAt: at, images: [],
});

/** Splits a quantity into as few calls as the limit allows, as even as possible, in order. */
export function planParts(quantity: number, maxPerCall: number, firstAttempt: number, now: number): Part[] {
  const count = Math.ceil(quantity / Math.max(1, maxPerCall));
  const base = Math.floor(quantity / count);
  return Array.from({ length: count }, (_, i) => newPart(base + (i < quantity % count ? 1 : 0), firstAttempt + i, now));
}

/** Attempt numbers are unique per job: apiframe's Idempotency-Key derives from them. */
export function nextAttemptNumber(rec: JobRecord, parts: Part[]): number {
  return 1 + Math.max(0, ...rec.attempts.map((a) => a.attempt ?? 0), ...parts.map((p) => p.attempt));
}

const firstIndexOf = (parts: Part[], index: number): number => parts.slice(0, index).reduce((n, p) => n + p.quantity, 0);

/** Health counts what says something about the provider, not about the request. */
const countsAgainst = (error: ClassifiedError): boolean => !(error.class === "moderated" || error.class === "invalid");

/**
 * Puts providers whose circuit is open after the others (SPEC §4.2); the new first claims a half-open probe. Only the
 * first candidate's health is asked unless it is blocked: the order of the rest is decided when (and if) the job falls
 * back to them, since each candidate's begin routes the candidates after it again.
 */
async function routeCandidates(rec: JobRecord, candidate: number, deps: MachineDeps, now: number): Promise<JobRecord> {
  const remaining = rec.candidates.slice(candidate);
  if (remaining.length < 2) return rec;
  const head = remaining[0]!;
  const headHealth = await routingHealth(deps.env, head, now);
  if (!isBlocked(headHealth)) {
    if (headHealth.state === "half_open") await claimCall(deps.env, head, now);
    return rec;
  }
  const rest = await Promise.all(remaining.slice(1).map(async (name) => [name, await routingHealth(deps.env, name, now)] as const));
  const health: Record<string, Health> = { ...Object.fromEntries(rest), [head]: headHealth };
  const blocked = remaining.filter((name) => isBlocked(health[name]!));
  const open = remaining.filter((name) => !blocked.includes(name));
  if (blocked.length === 0 || open.length === 0) return rec;
  const first = open[0]!;
  if (health[first]!.state === "half_open") await claimCall(deps.env, first, now);
  const passed = blocked.filter((name) => remaining.indexOf(name) < remaining.indexOf(first));
  const skipped: Attempt[] = passed.map((name) => ({ provider: name, outcome: "skipped", ms: 0, at: now, detail: `circuit ${health[name]!.state}: tried after the others` }));
  return { ...rec, candidates: [...rec.candidates.slice(0, candidate), ...open, ...blocked], attempts: [...rec.attempts, ...skipped] };
}

async function begin(rec: JobRecord, step: UpstreamStep, deps: MachineDeps): Promise<JobRecord> {
  const now = deps.now();
  const routed = await routeCandidates(rec, step.candidate, deps, now);
  const name = routed.candidates[step.candidate]!;
  const provider = providerByName(name);
  const caps = provider.configured(deps.env) ? provider.capabilities(routed.spec.model, deps.env) : null;
  if (!caps) return nextCandidate(routed, step.candidate, { class: "fatal", message: `${name} is no longer configured for ${routed.spec.model}` }, now);
  const parts = planParts(routed.spec.quantity, caps.maxPerCall, nextAttemptNumber(routed, []), now);
  return { ...routed, provider: name, step: { ...step, parts }, wakeAt: now };
}

interface Failure {
  index: number;
  error: ClassifiedError;
  /** Failed creates of an idempotent provider are re-sent with the same attempt number (same Idempotency-Key). */
  phase: "create" | "poll";
}

/** One round: every due part's create or poll, in parallel. */
async function round(rec: JobRecord, step: UpstreamStep, provider: Provider, deps: MachineDeps) {
  const name = provider.name;
  const now = deps.now();
  const parts = [...step.parts];
  const failures: Failure[] = [];
  const entries: Attempt[] = [];
  const samples: Sample[] = [];
  const links: UpstreamLink[] = [];

  // A part stored "sending" was cut off mid-create (crash, restart, or a timeout that killed the alarm).
  for (const [i, part] of parts.entries()) {
    if (part.state !== "sending") continue;
    if (provider.idempotentSubmit) {
      parts[i] = { ...part, state: "queued", at: now };
      continue;
    }
    entries.push({ provider: name, outcome: "unknown", ms: 0, at: now, attempt: part.attempt, part: i, detail: "create interrupted; outcome unknown, not re-sent" });
    failures.push({ index: i, phase: "create", error: { class: "retryable", message: `${name} create interrupted; outcome unknown`, unknownOutcome: true } });
    samples.push({ at: now, ok: false, ms: 0 });
  }
  const creating = parts.flatMap((p, i) => (p.state === "queued" && p.at <= now ? [i] : []));
  const polling = parts.flatMap((p, i) => (p.state === "running" && p.at <= now ? [i] : []));
  for (const i of creating) parts[i] = { ...parts[i]!, state: "sending", startedAt: now };
  if (creating.length > 0) await deps.save({ ...rec, step: { ...step, parts } });

  const place = (i: number) => ({ attempt: parts[i]!.attempt, part: i, firstIndex: firstIndexOf(parts, i) });
  const specOf = (i: number) => ({ ...rec.spec, quantity: parts[i]!.quantity });

  async function create(i: number): Promise<void> {
    const part = parts[i]!;
    const started = deps.now();
    try {
      const outcome = await provider.submit(specOf(i), providerContext(deps, rec, place(i)));
      const at = deps.now();
      samples.push({ at, ok: true, ms: at - started });
      const base = { provider: name, ms: at - started, at: started, attempt: part.attempt, part: i, upstreamId: outcome.upstreamId, cost: outcome.cost };
      if (outcome.kind === "accepted") {
        links.push({ upstreamId: outcome.upstreamId, jobId: rec.id });
        entries.push({ ...base, outcome: "accepted" });
        parts[i] = { ...part, state: "running", tries: part.tries + 1, upstreamId: outcome.upstreamId, at: at + (outcome.pollInMs ?? pollDelayMs(0)), progress: 0 };
      } else {
        entries.push({ ...base, outcome: "completed" });
        parts[i] = { ...part, state: "done", tries: part.tries + 1, upstreamId: outcome.upstreamId ?? null, images: outcome.images, progress: 100 };
      }
    } catch (err) {
      const error = provider.classifyError(err);
      const at = deps.now();
      if (countsAgainst(error)) samples.push({ at, ok: false, ms: at - started });
      const unknown = error.unknownOutcome === true && !provider.idempotentSubmit;
      entries.push({ provider: name, outcome: unknown ? "unknown" : error.class, ms: at - started, at: started, attempt: part.attempt, part: i, detail: unknown ? `${error.message}; outcome unknown, not re-sent` : error.message });
      parts[i] = { ...part, tries: part.tries + 1 };
      failures.push({ index: i, phase: "create", error });
    }
  }

  async function poll(i: number): Promise<void> {
    const part = parts[i]!;
    try {
      const outcome = await provider.poll(part.upstreamId!, specOf(i), providerContext(deps, rec, place(i)));
      const at = deps.now();
      const base = { provider: name, ms: at - part.startedAt, at, attempt: part.attempt, part: i, upstreamId: part.upstreamId! };
      if (outcome.kind === "running") {
        parts[i] = { ...part, polls: part.polls + 1, pollErrors: 0, progress: outcome.progress ?? part.progress, at: at + (outcome.pollInMs ?? pollDelayMs(part.polls + 1)) };
      } else if (outcome.kind === "completed") {
        entries.push({ ...base, outcome: "completed", cost: outcome.cost });
        parts[i] = { ...part, state: "done", images: outcome.images, progress: 100 };
      } else {
        if (countsAgainst(outcome.error)) samples.push({ at, ok: false, ms: 0 });
        entries.push({ ...base, outcome: outcome.error.class, detail: outcome.error.message });
        failures.push({ index: i, phase: "poll", error: outcome.error });
      }
    } catch (err) {
      const error = provider.classifyError(err);
      const at = deps.now();
      if (!NO_FALLBACK[error.class] && part.pollErrors + 1 < MAX_POLL_ERRORS) {
        parts[i] = { ...part, pollErrors: part.pollErrors + 1, at: at + Math.max(error.retryAfterMs ?? 0, backoffMs(part.pollErrors, 1000, 10_000)) };
        return;
      }
      samples.push({ at, ok: false, ms: 0 });
      const failed = NO_FALLBACK[error.class] ? error : { class: "retryable" as const, message: `polling failed: ${error.message}` };
      entries.push({ provider: name, outcome: failed.class, ms: at - part.startedAt, at, attempt: part.attempt, part: i, upstreamId: part.upstreamId!, detail: failed.message });
      failures.push({ index: i, phase: "poll", error: failed });
    }
  }

  await Promise.all([...creating.map(create), ...polling.map(poll)]);
  await reportOutcomes(deps.env, name, samples, links, deps.now());
  return { parts, failures, entries };
}

/** When a failed part may be tried again on the same provider, or null to give the provider up. */
function retryAt(rec: JobRecord, step: UpstreamStep, parts: Part[], failures: Failure[], failure: Failure, provider: Provider, now: number): number | null {
  const { error } = failure;
  const part = parts[failure.index]!;
  if (part.tries >= MAX_TRIES || (error.class !== "retryable" && error.class !== "rate_limited")) return null;
  if (error.unknownOutcome && !provider.idempotentSubmit) return null;
  const wait = error.class === "rate_limited" && error.retryAfterMs !== undefined ? error.retryAfterMs : backoffMs(part.tries, 1000, 8000);
  if (now + wait >= rec.deadlineAt) return null;
  if (error.class === "rate_limited") return wait <= MAX_RATE_LIMIT_WAIT_MS ? now + wait : null;
  // An idempotent create with an unknown outcome is re-sent to learn it (same Idempotency-Key).
  if (error.unknownOutcome) return now + wait;
  // Otherwise fall back at once, unless this part's siblings are under way here (then retry the missing part).
  const failed = new Set(failures.map((f) => f.index));
  const siblingsUnderWay = parts.some((p, j) => !failed.has(j) && (p.state === "running" || p.state === "done"));
  const anotherCandidate = step.candidate + 1 < rec.candidates.length;
  return anotherCandidate && !siblingsUnderWay ? null : now + wait;
}

/**
 * Best effort: upstream jobs this job no longer waits for (all but those in `except`) are cancelled where the provider
 * can. Never throws; returns one "cancelled" attempt per upstream job saying how it went, for callers that record it.
 */
export async function cancelParts(rec: JobRecord, parts: Part[], provider: Provider, deps: MachineDeps, except: ReadonlySet<string | undefined> = new Set()): Promise<Attempt[]> {
  const running = parts.flatMap((part, i) => (part.state === "running" && part.upstreamId !== null && !except.has(part.upstreamId) ? [{ part, i, upstreamId: part.upstreamId }] : []));
  return Promise.all(
    running.map(async ({ part, i, upstreamId }): Promise<Attempt> => {
      const started = deps.now();
      const entry = { provider: provider.name, outcome: "cancelled" as const, at: started, attempt: part.attempt, part: i, upstreamId };
      if (!provider.cancel) return { ...entry, ms: 0, detail: `${provider.name} cannot cancel an upstream job; it runs to its end there` };
      try {
        await provider.cancel(upstreamId, providerContext(deps, rec, { attempt: part.attempt, part: i, firstIndex: 0 }));
        return { ...entry, ms: deps.now() - started, detail: "upstream job cancelled" };
      } catch (err) {
        return { ...entry, ms: deps.now() - started, detail: `upstream cancel failed: ${provider.classifyError(err).message}` };
      }
    }),
  );
}

const progressOf = (parts: Part[]): number =>
  Math.min(99, Math.round(parts.reduce((n, p) => n + (p.state === "done" ? 100 : (p.progress ?? 0)), 0) / parts.length));

export async function upstreamStep(rec: JobRecord, step: UpstreamStep, deps: MachineDeps): Promise<JobRecord> {
  if (hasUrlReferences(rec)) return copyUrlReferences(rec, deps);
  if (step.parts.length === 0) {
    // The plan goes straight into its first round, whose save before the creates stores it: no save of its own.
    const begun = await begin(rec, step, deps);
    return begun.step.kind === "upstream" && begun.step.parts.length > 0 ? upstreamStep(begun, begun.step, deps) : begun;
  }
  const provider = providerByName(rec.candidates[step.candidate]!);
  const { parts, failures, entries } = await round(rec, step, provider, deps);
  const now = deps.now();
  let after: JobRecord = { ...rec, attempts: [...rec.attempts, ...entries], step: { ...step, parts } };
  const underWay = parts.some((p) => p.state === "running" || p.state === "done");
  if (underWay) after = { ...after, status: "PROCESSING", progress: progressOf(parts) };

  const hard = failures.find((f) => NO_FALLBACK[f.error.class]);
  if (hard) {
    await cancelParts(after, parts, provider, deps);
    return failJob(after, NO_FALLBACK[hard.error.class]!, hard.error.message, now);
  }
  for (const failure of failures) {
    const at = retryAt(after, step, parts, failures, failure, provider, now);
    if (at === null) {
      await cancelParts(after, parts, provider, deps);
      return nextCandidate(after, step.candidate, failure.error, now);
    }
    const old = parts[failure.index]!;
    const sameAttempt = provider.idempotentSubmit && failure.phase === "create";
    parts[failure.index] = { ...newPart(old.quantity, sameAttempt ? old.attempt : nextAttemptNumber(after, parts), at), tries: old.tries };
  }
  if (parts.every((p) => p.state === "done")) {
    const images = parts.flatMap((p) => p.images);
    return { ...after, step: { kind: "ingest", provider: provider.name, candidate: step.candidate, images, errors: 0 }, wakeAt: now };
  }
  const wakeAt = Math.min(...parts.filter((p) => p.state !== "done").map((p) => p.at));
  return { ...after, step: { ...step, parts }, wakeAt };
}

/** Brings the polls of the parts with these upstream ids forward to now (a callback arrived); null if none is waiting. */
export function pollNow(rec: JobRecord, upstreamIds: ReadonlySet<string>, now: number): JobRecord | null {
  if (rec.step.kind !== "upstream") return null;
  const hit = rec.step.parts.some((p) => p.state === "running" && p.upstreamId !== null && upstreamIds.has(p.upstreamId));
  if (!hit) return null;
  const parts = rec.step.parts.map((p) => (p.state === "running" && p.upstreamId !== null && upstreamIds.has(p.upstreamId) ? { ...p, at: now } : p));
  return { ...rec, step: { ...rec.step, parts }, wakeAt: now };
}
