import { SELF, env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { JobRecord } from "../../src/jobs/record";

// Small helpers shared by the workerd tests: calls through the Worker, and direct control of a JobDO's alarms.

export const BASE = "https://imagegate.test";
export const DEV_KEY = env.DEV_API_KEY!;

export function api(path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? DEV_KEY : init.key;
  if (key !== null) headers.set("authorization", `Bearer ${key}`);
  if (typeof init.body === "string" && !headers.has("content-type")) headers.set("content-type", "application/json");
  return SELF.fetch(`${BASE}${path}`, { ...init, headers });
}

export async function createJob(body: unknown, key?: string): Promise<string> {
  const res = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(body), key });
  if (res.status !== 202) throw new Error(`create answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { jobId: string }).jobId;
}

export const jobStubOf = (jobId: string) => env.JOBS.get(env.JOBS.idFromName(jobId));

/** The stored record, read inside the JobDO. */
export function storedJob(jobId: string): Promise<JobRecord> {
  return runInDurableObject(jobStubOf(jobId), async (_instance, state) => (await state.storage.get<JobRecord>("job"))!);
}

/**
 * Rewrites the stored record (e.g. to move a deadline into the past) without waiting for time to pass. It writes behind
 * the JobDO's back, so the instance's copy of the record is dropped too (the next read loads the patched one).
 */
export function patchJob(jobId: string, patch: (rec: JobRecord) => JobRecord): Promise<void> {
  return runInDurableObject(jobStubOf(jobId), async (instance, state) => {
    const rec = (await state.storage.get<JobRecord>("job"))!;
    await state.storage.put("job", patch(rec));
    (instance as unknown as { record: JobRecord | null | undefined }).record = undefined;
  });
}

/** Fires the job's alarm now; returns false when none was set. */
export const fireAlarm = (jobId: string): Promise<boolean> => runDurableObjectAlarm(jobStubOf(jobId));

/**
 * Moves the job `ms` into the future without sleeping: its wake-up (and every part's) comes due now, and a sandbox
 * upstream job (whose id carries its submit time) looks `ms` older. Simulator jobs are aged with `advance` instead.
 */
export function elapse(jobId: string, ms: number): Promise<void> {
  return patchJob(jobId, (r) => {
    const due = Date.now();
    const step = r.step.kind === "upstream"
      ? {
          ...r.step,
          parts: r.step.parts.map((p) => ({
            ...p,
            at: Math.min(p.at, due),
            upstreamId: p.upstreamId?.replace(/^sbx_(\d+)/, (_m, t: string) => `sbx_${Number(t) - ms}`) ?? null,
          })),
        }
      : r.step;
    return { ...r, step, wakeAt: r.wakeAt === null ? null : Math.min(r.wakeAt, due) };
  });
}

/**
 * Drives a job to its end through its own alarms, never sleeping on the job's clock. A job without an alarm is in its
 * first step, run at once from createAndWait (its account watches it): that step is waited for, up to `stepMs`.
 */
export async function runToEnd(jobId: string, maxAlarms = 50, stepMs = 15_000): Promise<JobRecord> {
  const giveUpAt = Date.now() + stepMs;
  for (let alarms = 0; alarms < maxAlarms; ) {
    const rec = await storedJob(jobId);
    if (["COMPLETED", "FAILED", "CANCELLED"].includes(rec.status)) return rec;
    await elapse(jobId, 5_000);
    if (await fireAlarm(jobId)) alarms++;
    else if (Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 10));
    else throw new Error(`job ${jobId} has no alarm, and its step did not end within ${stepMs} ms`);
  }
  throw new Error(`job ${jobId} did not end within ${maxAlarms} alarms`);
}

export const sha256Hex = async (bytes: ArrayBuffer | Uint8Array): Promise<string> =>
  Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
