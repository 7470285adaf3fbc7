import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { JobSpec } from "../../src/catalogue";
import type { Env } from "../../src/env";
import { advance as advanceJob, firstStep } from "../../src/jobs/machine";
import type { JobRecord } from "../../src/jobs/record";
import { providerContext } from "../../src/jobs/transitions";
import { apiframe } from "../../src/providers/apiframe";
import { leonardo } from "../../src/providers/leonardo";
import { openai } from "../../src/providers/openai";
import type { Provider } from "../../src/providers/types";
import { advance, tag } from "../sim/testing";
import { createJob, fireAlarm, patchJob, storedJob } from "../helpers/api";
import { addFaults, createsOf, fireUntil, hasAlarm, resetCircuits, simCalls } from "../helpers/upstream";
import { activeModel } from "../helpers/models";

// What the adapters make of the providers' error answers (auth, validation, credits), and how the machine ends a job
// on them — driven directly, step by step, with the environment a test chooses (here: bad keys).

beforeEach(resetCircuits);

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  model: activeModel(["leonardo", "apiframe", "openai"]).id, prompt: `errors ${tag()}`, quality: "low", width: 1024, height: 1024, aspectRatio: "1:1", outputFormat: "png",
  background: "auto", quantity: 1, references: [], referenceStrength: null, inputFidelity: null, seed: null, promptEnhance: false, moderation: "auto",
  ...over,
});

function record(s: JobSpec, candidates: JobRecord["candidates"], over: Partial<JobRecord> = {}): JobRecord {
  const now = Date.now();
  return {
    id: crypto.randomUUID(), accountId: "dev", origin: "https://imagegate.test", status: "QUEUED", spec: s, candidates, provider: null, progress: null,
    files: [], error: null, errorCode: null, creditCost: 4, createdAt: now, completedAt: null, deadlineAt: now + 600_000, attempts: [],
    step: firstStep(), wakeAt: now, public: false, metadata: {}, webhook: null, webhookStatus: null, input: {}, ...over,
  };
}

/** Runs the machine as the JobDO's alarms do, making every wake-up due at once and ageing the upstream jobs. */
async function runMachine(rec: JobRecord, with_: Partial<Env> = {}, rounds = 30): Promise<JobRecord> {
  const deps = { env: { ...env, ...with_ } as Env, now: () => Date.now(), save: async () => undefined, partial: (_r: unknown, _i: number, _p: number, body: ReadableStream) => body.cancel() };
  let current = rec;
  for (let i = 0; i < rounds && current.wakeAt !== null; i++) {
    await advance({ ms: 5000, match: rec.spec.prompt });
    const due = Date.now();
    if (current.step.kind === "upstream") {
      // Due now; a sandbox job (whose id carries its submit time) looks 5 s older.
      const parts = current.step.parts.map((p) => ({ ...p, at: Math.min(p.at, due), upstreamId: p.upstreamId?.replace(/^sbx_(\d+)/, (_m, t: string) => `sbx_${Number(t) - 5000}`) ?? null }));
      current = { ...current, step: { ...current.step, parts } };
    }
    current = await advanceJob(current, deps);
  }
  return current;
}

async function submitError(provider: Provider, s: JobSpec, with_: Partial<Env> = {}) {
  const rec = record(s, [provider.name]);
  const ctx = providerContext({ env: { ...env, ...with_ } as Env, now: () => Date.now(), save: async () => undefined, partial: (_r, _i, _p, body) => body.cancel() }, rec, { attempt: 1, part: 0, firstIndex: 0 });
  const err = await provider.submit(s, ctx).then(() => null, (e: unknown) => e);
  expect(err).not.toBeNull();
  return provider.classifyError(err);
}

describe("adapters classify the providers' error answers", () => {
  it("a refused key is auth, and the message never carries the key", async () => {
    expect(await submitError(leonardo, spec(), { LEONARDO_API_KEY: "not-a-uuid" })).toMatchObject({ class: "auth", message: "leonardo refused our credentials (401)" });
    expect(await submitError(apiframe, spec(), { APIFRAME_API_KEY: "afk_bad" })).toMatchObject({ class: "auth" });
    expect(await submitError(apiframe, spec(), { APIFRAME_API_KEY: "afk_forbidden_0123456789" })).toMatchObject({ class: "auth", message: "apiframe refused our credentials (403)" });
    const openaiAuth = await submitError(openai, spec(), { OPENAI_API_KEY: "sk-short" });
    expect(openaiAuth.class).toBe("auth");
    expect(openaiAuth.message).not.toMatch(/sk-/);
  });

  it("apiframe out of credits (402) is fatal: not the caller's fault, and another provider may serve", async () => {
    expect(await submitError(apiframe, spec(), { APIFRAME_API_KEY: "afk_nocredit_0123456789" })).toMatchObject({ class: "fatal", message: expect.stringMatching(/insufficient credits/) });
  });

  it("validation answers are invalid, with the provider's reason", async () => {
    const tooMany = await submitError(leonardo, spec({ quantity: 9 }));
    expect(tooMany).toMatchObject({ class: "invalid", message: expect.stringMatching(/Too many images/) });
    const ratio = await submitError(apiframe, spec({ model: "gpt-image-2", aspectRatio: "16:9", width: 1376, height: 768, inputFidelity: null }));
    expect(ratio).toMatchObject({ class: "invalid", message: expect.stringMatching(/aspect_ratio/) });
    const size = await submitError(openai, spec({ width: 1000, height: 1000 }));
    expect(size).toMatchObject({ class: "invalid", message: expect.stringMatching(/^openai refused the request: Invalid .*'1000x1000'/) });
  });

  it("a moderated prompt is moderated on each provider's create", async () => {
    for (const provider of [leonardo, openai]) {
      const s = spec();
      await addFaults({ provider: provider.name, match: s.prompt, fault: "moderated" });
      expect((await submitError(provider, s)).class).toBe("moderated");
    }
  });

  it("a reference the job may not use is invalid, whether the adapter uploads it or sends its signed URL", async () => {
    const references = [{ kind: "upload" as const, id: "up_missing" }];
    for (const provider of [leonardo, openai, apiframe]) {
      expect(await submitError(provider, spec({ references })), provider.name).toEqual({
        class: "invalid",
        message: "reference image: upload up_missing does not exist, has expired, or is not yours",
      });
    }
  });
});

describe("the machine ends a job on auth and validation errors without fallback", () => {
  it("auth: FAILED with errorCode auth, the next candidate untried", async () => {
    const rec = await runMachine(record(spec(), ["leonardo", "sandbox"]), { LEONARDO_API_KEY: "not-a-uuid" });
    expect(rec).toMatchObject({ status: "FAILED", errorCode: "auth", wakeAt: null });
    expect(rec.attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual(["leonardo:auth"]);
  });

  it("invalid: FAILED with errorCode invalid, the next candidate untried", async () => {
    const s = spec({ model: "gpt-image-2", aspectRatio: "16:9", width: 1376, height: 768, inputFidelity: null });
    const rec = await runMachine(record(s, ["apiframe", "sandbox"]));
    expect(rec).toMatchObject({ status: "FAILED", errorCode: "invalid" });
    expect(rec.attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual(["apiframe:invalid"]);
  });

  it("an out-of-credits provider is passed over for the next candidate", async () => {
    const rec = await runMachine(record(spec(), ["apiframe", "sandbox"]), { APIFRAME_API_KEY: "afk_nocredit_0123456789" });
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "sandbox" });
    expect(rec.attempts[0]).toMatchObject({ provider: "apiframe", outcome: "fatal" });
  });
});

describe("a create cut off mid-flight (crash, restart) is resumed safely", () => {
  const sending = (rec: JobRecord, provider: JobRecord["candidates"][number]): JobRecord => ({
    ...rec,
    provider,
    step: { kind: "upstream", candidate: 0, parts: [{ quantity: 1, attempt: 1, state: "sending", tries: 0, at: Date.now(), upstreamId: null, polls: 0, pollErrors: 0, progress: null, startedAt: Date.now(), images: [] }] },
  });

  it("leonardo: recorded unknown and never re-sent; the job falls back", async () => {
    const s = spec();
    const rec = await runMachine(sending(record(s, ["leonardo", "sandbox"]), "leonardo"));
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "sandbox" });
    expect(rec.attempts[0]).toMatchObject({ provider: "leonardo", outcome: "unknown", attempt: 1, detail: expect.stringMatching(/not re-sent/) });
    expect(await createsOf(s.prompt, "leonardo")).toHaveLength(0);
  });

  it("apiframe: re-sent with the same Idempotency-Key", async () => {
    const s = spec();
    const base = sending(record(s, ["apiframe", "sandbox"]), "apiframe");
    const rec = await runMachine(base);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "apiframe" });
    expect((await createsOf(s.prompt, "apiframe")).map((c) => c.idempotencyKey)).toEqual([`imagegate-${base.id}-1`]);
  });
});

describe("deadline", () => {
  it("a job past its deadline fails with timeout, and its apiframe job is cancelled upstream", async () => {
    const t = tag();
    await addFaults({ provider: "apiframe", match: t, fault: "latency", latencyMs: 600_000 });
    const jobId = await createJob({ prompt: `deadline ${t}`, model: activeModel(["apiframe"]).id, provider: "apiframe" });
    const accepted = await fireUntil(jobId, (r) => r.attempts.some((a) => a.outcome === "accepted"));
    await patchJob(jobId, (r) => ({ ...r, deadlineAt: Date.now() - 1 }));
    await fireAlarm(jobId);
    const rec = await storedJob(jobId);
    expect(rec).toMatchObject({ status: "FAILED", errorCode: "timeout", wakeAt: null });
    expect(await hasAlarm(jobId)).toBe(false);
    const cancels = (await simCalls(t, "&provider=apiframe&kind=api")).filter((c) => c.path.endsWith("/cancel"));
    expect(cancels.map((c) => [c.method, c.status, c.jobId])).toEqual([["POST", 200, accepted.attempts[0]!.upstreamId]]);
  });
});
