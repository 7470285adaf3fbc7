import { beforeEach, describe, expect, it } from "vitest";
import {
  addFaults,
  createsOf,
  driveToEnd,
  endsOnSandboxAfterOneCreate,
  faultedJob as run,
  fireUntil,
  outcomes,
  resetCircuits,
  simCalls,
  upstreamJobs,
  type ProviderName as Name,
} from "../helpers/upstream";

// Creates whose outcome is unknown (a timeout after sending, an unreadable answer) and faults after the create
// (polls, image downloads), on every provider they apply to: never a blind second create, and polling carries on.

beforeEach(resetCircuits);

const ASYNC: Name[] = ["leonardo", "apiframe"];

describe("a create that may have been accepted is never re-sent blindly", () => {
  it.each(["leonardo", "openai"] as Name[])("%s: a create that times out is recorded unknown, then the job falls back", async (provider) => {
    const { t, jobId } = await run(provider, [provider, "sandbox"], { fault: "hang", latencyMs: 8000 });
    const rec = await endsOnSandboxAfterOneCreate(provider, t, jobId, "unknown");
    expect(rec.attempts[0]!.detail).toMatch(/not re-sent/);
  });

  it.each(["leonardo", "openai"] as Name[])("%s: an unreadable create answer is recorded unknown, then the job falls back", async (provider) => {
    const { t, jobId } = await run(provider, [provider, "sandbox"], { fault: "malformed" });
    await endsOnSandboxAfterOneCreate(provider, t, jobId, "unknown");
  });

  it("leonardo: a create accepted upstream whose answer hangs is not created again, even as the last candidate", async () => {
    const { t, jobId } = await run("leonardo", ["leonardo"], { fault: "hang_after_create", latencyMs: 8000 });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "FAILED", errorCode: "provider_error" });
    expect(outcomes(rec)).toEqual(["leonardo:unknown"]);
    expect(await createsOf(t, "leonardo")).toHaveLength(1);
  });

  it.each(["hang", "hang_after_create", "malformed"])("apiframe: after %s the create is re-sent with the same Idempotency-Key, and one upstream job results", async (fault) => {
    const { t, jobId } = await run("apiframe", ["apiframe", "sandbox"], { fault, latencyMs: 8000 });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "apiframe" });
    const creates = await createsOf(t, "apiframe");
    expect(creates).toHaveLength(2);
    expect(creates.map((c) => c.idempotencyKey)).toEqual([`imagegate-${jobId}-1`, `imagegate-${jobId}-1`]);
    expect(await upstreamJobs(t, "apiframe")).toHaveLength(1);
    expect(rec.attempts.filter((a) => a.outcome === "accepted").map((a) => a.attempt)).toEqual([1]);
  });
});

describe.each(ASYNC)("%s: faults after the create", (provider) => {
  it.each([
    { fault: "http500", count: 3 },
    { fault: "malformed", count: 2 },
    { fault: "http429", count: 1, retryAfter: 1 },
    { fault: "hang", count: 1, latencyMs: 8000 },
  ])("polls that meet $fault are retried; the job completes with its one create", async (fault) => {
    const { t, jobId } = await run(provider, [provider, "sandbox"], null);
    await fireUntil(jobId, (r) => r.attempts.some((a) => a.outcome === "accepted"));
    await addFaults({ provider, match: t, ...fault });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider });
    expect(outcomes(rec)).toEqual([`${provider}:accepted`, `${provider}:completed`]);
    expect(await createsOf(t, provider)).toHaveLength(1);
    const faulted = (await simCalls(t, `&provider=${provider}&kind=api`)).filter((c) => c.method === "GET" && c.fault !== null);
    expect(faulted.length).toBe(fault.count);
  });

  it("images that answer 404 make the job fall back after a few tries, without a new create here", async () => {
    const { t, jobId } = await run(provider, [provider, "sandbox"], { fault: "image_404" });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "sandbox" });
    expect(rec.attempts.find((a) => a.provider === provider && a.outcome === "retryable")!.detail).toMatch(/could not copy the images/);
    expect(await createsOf(t, provider)).toHaveLength(1);
    expect((await simCalls(t, `&provider=${provider}&kind=image`)).every((c) => c.status === 404)).toBe(true);
  });

  it("images that answer 404 with no other candidate end the job FAILED with provider_error", async () => {
    const { t, jobId } = await run(provider, [provider], { fault: "image_404" });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "FAILED", errorCode: "provider_error", files: [] });
    expect(rec.error).toMatch(/could not copy the images/);
  });
});

