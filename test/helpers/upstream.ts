import { env, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import { learntHealth } from "../../src/jobs/provider-health";
import type { JobRecord } from "../../src/jobs/record";
import { advance, postJson, sim, tag } from "../sim/testing";
import { createJob, elapse, fireAlarm, jobStubOf, storedJob } from "./api";
import { activeModel, jobBody } from "./models";
import type { CallRecord } from "../sim/state";

// Helpers for jobs that run on the simulated providers: driving them to their end through their own alarms while the
// simulator's jobs age, and looking at what the simulator received.

/** A call the simulator received, as GET /_sim/calls lists it. */
export type SimCall = CallRecord;

export async function simCalls(match: string, query = ""): Promise<SimCall[]> {
  const res = await sim(`/calls?match=${encodeURIComponent(match)}${query}`);
  expect(res.status).toBe(200);
  return res.json();
}

/** The creates a job's prompt tag caused, per provider. */
export async function createsOf(match: string, provider: string): Promise<SimCall[]> {
  const creates = { leonardo: "/api/rest/v2/generations", apiframe: "/v2/images/generate", openai: "/v1/images/" } as Record<string, string>;
  return (await simCalls(match, `&provider=${provider}&kind=api`)).filter((c) => c.method === "POST" && c.path.startsWith(creates[provider]!));
}

export async function addFaults(...faults: Record<string, unknown>[]): Promise<void> {
  for (const fault of faults) {
    const res = await sim("/faults", postJson(fault));
    expect(res.status, await res.clone().text()).toBe(201);
  }
}

export const clearFaults = async (match: string): Promise<void> => {
  await sim(`/faults?match=${encodeURIComponent(match)}`, { method: "DELETE" });
};

/** Whether the job's Durable Object has an alarm set. */
export const hasAlarm = (jobId: string): Promise<boolean> =>
  runInDurableObject(jobStubOf(jobId), async (_instance, state) => (await state.storage.getAlarm()) !== null);

const TERMINAL = ["COMPLETED", "FAILED", "CANCELLED"];

/**
 * Drives a job to its end: each round ages the simulator's jobs for `match` by `stepMs`, makes the job's wake-up due,
 * and fires its alarm. After every round an unfinished job must still have an alarm (the chain never breaks).
 */
export async function driveToEnd(jobId: string, match: string, { maxAlarms = 40, stepMs = 5000 } = {}): Promise<JobRecord> {
  for (let i = 0; i < maxAlarms; i++) {
    const rec = await storedJob(jobId);
    if (TERMINAL.includes(rec.status)) return rec;
    expect(await hasAlarm(jobId), `job ${jobId} is ${rec.status} without an alarm`).toBe(true);
    await advance({ ms: stepMs, match });
    await elapse(jobId, stepMs);
    await fireAlarm(jobId);
  }
  throw new Error(`job ${jobId} did not end within ${maxAlarms} alarms`);
}

/** Fires the job's alarm until `until` holds for its record (without ageing anything). */
export async function fireUntil(jobId: string, until: (rec: JobRecord) => boolean, maxAlarms = 10): Promise<JobRecord> {
  for (let i = 0; i < maxAlarms; i++) {
    const rec = await storedJob(jobId);
    if (until(rec)) return rec;
    await elapse(jobId, 0);
    await fireAlarm(jobId);
  }
  throw new Error(`job ${jobId} never reached the expected state`);
}

/** Bytes of a stored R2 object. */
export async function r2Bytes(key: string): Promise<Uint8Array> {
  const object = await env.FILES.get(key);
  expect(object, `R2 has no ${key}`).not.toBeNull();
  return new Uint8Array(await object!.arrayBuffer());
}

/**
 * Forgets every provider's circuit-breaker figures (storage is per test file, shared by its tests), and what routing
 * learnt of them (provider-health.ts), so that it asks again.
 */
export async function resetCircuits(): Promise<void> {
  learntHealth.clear();
  for (const name of ["sandbox", "leonardo", "apiframe", "openai"]) {
    await runInDurableObject(env.PROVIDER_HEALTH.get(env.PROVIDER_HEALTH.idFromName(name)), async (_instance, state) => {
      await state.storage.delete("circuit");
    });
  }
}

export type ProviderName = "leonardo" | "apiframe" | "openai";

/** A job of a model every one of `candidates` serves, after an optional fault scoped to its fresh tag. */
export async function faultedJob(provider: ProviderName, candidates: (ProviderName | "sandbox")[], fault: Record<string, unknown> | null) {
  const t = tag();
  if (fault) await addFaults({ provider, match: t, ...fault });
  const jobId = await createJob(jobBody(activeModel(candidates), { prompt: `fault ${provider} ${t}`, provider: candidates }, { quality: "low" }));
  return { t, jobId };
}

export const outcomes = (rec: JobRecord): string[] => rec.attempts.map((a) => `${a.provider}:${a.outcome}`);

/** Upstream jobs that really exist for this tag (a create that answered with an id). */
export const upstreamJobs = async (t: string, provider: ProviderName): Promise<string[]> =>
  [...new Set((await createsOf(t, provider)).filter((c) => c.status !== null && c.status < 300 && c.jobId).map((c) => c.jobId!))];

/** The job fell back from `provider` (one create, ending as `outcome`) and completed on the sandbox. */
export async function endsOnSandboxAfterOneCreate(provider: ProviderName, t: string, jobId: string, outcome: string): Promise<JobRecord> {
  const rec = await driveToEnd(jobId, t);
  expect(rec.status, rec.error ?? "").toBe("COMPLETED");
  expect(rec.provider).toBe("sandbox");
  expect(outcomes(rec)[0]).toBe(`${provider}:${outcome}`);
  expect(outcomes(rec).slice(1)).toEqual(["sandbox:accepted", "sandbox:completed"]);
  expect(await createsOf(t, provider)).toHaveLength(1);
  expect(await fireAlarm(jobId)).toBe(false);
  return rec;
}

/** An https image URL the simulator serves (the CDN image of a finished apiframe job), for URL references in tests. */
export async function simImageUrl(prompt: string): Promise<string> {
  const created = await fetch("https://api.apiframe.ai/v2/images/generate", {
    method: "POST",
    headers: { "x-api-key": "afk_simtest_0123456789abcdef", "content-type": "application/json" },
    body: JSON.stringify({ prompt, model: activeModel(["apiframe"]).id }),
  });
  const { jobId } = (await created.json()) as { jobId: string };
  await fetch("https://sim.test/_sim/advance", { method: "POST", body: JSON.stringify({ ms: 60_000, id: jobId }) });
  return `https://cdn2.apiframe.ai/images/${jobId}-1.png`;
}
