import { beforeEach, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/jobs/record";
import { tag } from "../sim/testing";
import { createJob } from "../helpers/api";
import { activeModel, jobBody } from "../helpers/models";
import {
  addFaults,
  createsOf,
  driveToEnd,
  endsOnSandboxAfterOneCreate,
  faultedJob as run,
  fireUntil,
  hasAlarm,
  outcomes,
  resetCircuits,
  simCalls,
  upstreamJobs,
  type ProviderName as Name,
} from "../helpers/upstream";

// Every fault class of the simulator that hits a create or an upstream job, on every provider, ending as SPEC §4.3
// says: fallback, retry, or a clear errorCode — with no duplicate upstream create (GET /_sim/calls) and an alarm
// behind every unfinished job (driveToEnd checks it each round). Timeouts and poll faults: provider-timeouts.test.ts.

beforeEach(resetCircuits);

const ALL: Name[] = ["leonardo", "apiframe", "openai"];

describe.each(ALL)("%s: faults on the create", (provider) => {
  it("5xx falls back at once to the next candidate", async () => {
    const { t, jobId } = await run(provider, [provider, "sandbox"], { fault: "http500" });
    await endsOnSandboxAfterOneCreate(provider, t, jobId, "retryable");
  });

  it("5xx with no other candidate is retried on the same provider after a backoff", async () => {
    const { t, jobId } = await run(provider, [provider], { fault: "http503" });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider });
    expect(outcomes(rec)[0]).toBe(`${provider}:retryable`);
    const creates = await createsOf(t, provider);
    expect(creates.map((c) => c.status)).toEqual([503, provider === "apiframe" ? 202 : 200]);
    // apiframe re-sends the same attempt (same Idempotency-Key); the others make a new attempt.
    if (provider === "apiframe") expect(creates.map((c) => c.idempotencyKey)).toEqual([`imagegate-${jobId}-1`, `imagegate-${jobId}-1`]);
    else expect(rec.attempts.map((a) => a.attempt)).toEqual(provider === "openai" ? [1, 2] : [1, 2, 2]);
    expect(await upstreamJobs(t, provider)).toHaveLength(1);
  });

  it("429 within the job's patience waits for Retry-After, then retries the same provider", async () => {
    const { t, jobId } = await run(provider, [provider, "sandbox"], { fault: "http429", retryAfter: 2 });
    const limited = await fireUntil(jobId, (r) => r.attempts.some((a) => a.outcome === "rate_limited"));
    const attempt = limited.attempts.find((a) => a.outcome === "rate_limited")!;
    expect(limited.step.kind).toBe("upstream");
    const part = (limited.step as Extract<JobRecord["step"], { kind: "upstream" }>).parts[0]!;
    expect(part.state).toBe("queued");
    expect(part.at - (attempt.at + attempt.ms)).toBeGreaterThanOrEqual(2000);
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider });
    expect((await createsOf(t, provider)).map((c) => c.status)).toEqual([429, provider === "apiframe" ? 202 : 200]);
  });

  it("429 whose Retry-After exceeds the job's patience falls back", async () => {
    const { t, jobId } = await run(provider, [provider, "sandbox"], { fault: "http429", retryAfter: 3600 });
    await endsOnSandboxAfterOneCreate(provider, t, jobId, "rate_limited");
  });

  it("moderation fails the job at once with errorCode moderated: no retry, no fallback", async () => {
    const { t, jobId } = await run(provider, [provider, "sandbox"], { fault: "moderated" });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "FAILED", errorCode: "moderated" });
    expect(rec.error).toMatch(/moderation|safety|content policy/);
    expect(rec.attempts.every((a) => a.provider === provider)).toBe(true);
    expect(await createsOf(t, provider)).toHaveLength(1);
    expect(await hasAlarm(jobId)).toBe(false);
  });

  it("a failed upstream job (non-content) falls back to the next candidate", async () => {
    const { t, jobId } = await run(provider, [provider, "sandbox"], { fault: "job_failed" });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "sandbox" });
    expect(outcomes(rec)).toContain(`${provider}:retryable`);
    expect(await createsOf(t, provider)).toHaveLength(1);
  });

  it("a failed upstream job with no other candidate is created anew (a new attempt), never replayed", async () => {
    const { t, jobId } = await run(provider, [provider], { fault: "job_failed" });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider });
    const creates = await createsOf(t, provider);
    expect(creates).toHaveLength(2);
    if (provider === "apiframe") expect(creates.map((c) => c.idempotencyKey)).toEqual([`imagegate-${jobId}-1`, `imagegate-${jobId}-2`]);
    expect(await upstreamJobs(t, provider)).toHaveLength(provider === "openai" ? 1 : 2);
  });

  it("a slow upstream job is polled (OpenAI: waited for) until it ends", async () => {
    // OpenAI answers when the image is done: its call must outlast the job's latency (4 s limit in the tests).
    const { t, jobId } = await run(provider, [provider], { fault: "latency", latencyMs: provider === "openai" ? 2000 : 12_000 });
    const rec = await driveToEnd(jobId, t, { stepMs: 1000 });
    expect(rec).toMatchObject({ status: "COMPLETED", provider });
    expect(await createsOf(t, provider)).toHaveLength(1);
  });

  it("a slow image download still completes", async () => {
    const { t, jobId } = await run(provider, [provider], { fault: "slow_image", latencyMs: 400 });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider });
    expect(rec.files).toHaveLength(1);
  });
});

describe("fan-out with a partial failure", () => {
  const fanOut: ("apiframe" | "sandbox")[] = ["apiframe", "sandbox"];

  it("retries only the missing part on the same provider and never completes with fewer files", async () => {
    const t = tag();
    // The first of the two parts fails upstream; its sibling is under way, so only that part is created again.
    await addFaults({ provider: "apiframe", match: t, fault: "job_failed", count: 1 });
    const jobId = await createJob(jobBody(activeModel(fanOut), { prompt: `fan-out partial ${t}`, provider: fanOut }, { number_of_images: 6, quality: "low" }));
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "apiframe" });
    expect(rec.files).toHaveLength(6);
    const creates = await createsOf(t, "apiframe");
    expect(creates).toHaveLength(3);
    expect(new Set(creates.map((c) => c.idempotencyKey)).size).toBe(3);
    expect(rec.attempts.filter((a) => a.outcome === "retryable")).toHaveLength(1);
  });

  it("abandons the provider when a part cannot be retried here, cancelling its sibling still running upstream", async () => {
    const t = tag();
    // Of the two parallel creates, one meets a 429 beyond the job's patience: the provider is given up, and the
    // part already accepted is cancelled (apiframe can cancel) before the job falls back.
    await addFaults({ provider: "apiframe", match: t, fault: "http429", retryAfter: 3600 });
    const jobId = await createJob(jobBody(activeModel(fanOut), { prompt: `fan-out abandon ${t}`, provider: fanOut }, { number_of_images: 6 }));
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "sandbox" });
    expect(rec.files).toHaveLength(6);
    const creates = await createsOf(t, "apiframe");
    expect(creates.map((c) => c.status).sort()).toEqual([202, 429]);
    const cancels = (await simCalls(t, "&provider=apiframe&kind=api")).filter((c) => c.path.endsWith("/cancel"));
    expect(cancels.map((c) => [c.jobId, c.status])).toEqual([[creates.find((c) => c.status === 202)!.jobId, 200]]);
  });
});
