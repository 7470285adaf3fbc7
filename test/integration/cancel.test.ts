import { env, runInDurableObject } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import type { JobDO } from "../../src/jobs/job-do";
import type { LoggedEvent } from "../../src/jobs/events";
import type { JobRecord } from "../../src/jobs/record";
import { JobView } from "../../src/jobs/view.docs";
import { firstStep } from "../../src/jobs/machine";
import { sandbox } from "../../src/providers/sandbox";
import { api, createJob, elapse, fireAlarm, jobStubOf, patchJob, runToEnd, storedJob } from "../helpers/api";
import { checkedLedger, mintAccount } from "../helpers/accounts";
import { addFaults, clearFaults, fireUntil, simCalls } from "../helpers/upstream";
import { tag } from "../sim/testing";
import { deliverDue, hookUrl, openEvents, parseSse, readToEnd, received } from "../helpers/webhooks";
import { activeModel, jobBody } from "../helpers/models";

// POST /v2/jobs/:id/cancel (SPEC §2.1): a job that has not ended becomes CANCELLED, its credits are refunded, the
// upstream job is cancelled where the provider can (recorded in attempts), job.cancelled goes out; 409 once ended.
// A later (or in-flight) alarm step never brings a cancelled job back.

const LOW = 4; // gpt-image-2, quality low, per image
const body = (prompt: string, extra: Record<string, unknown> = {}) => ({ prompt, model: "gpt-image-2", gptImage2Params: { quality: "low" }, ...extra });
const cancel = (jobId: string, key: string) => api(`/v2/jobs/${jobId}/cancel`, { method: "POST", key });
const meCredits = async (key: string) => ((await (await api("/v2/me", { key })).json()) as { credits: Record<string, number> }).credits;
const logged = (jobId: string): Promise<LoggedEvent[]> =>
  runInDurableObject(jobStubOf(jobId), async (_i, state) => [...(await state.storage.list<LoggedEvent>({ prefix: "event:" })).values()]);

/** Holds the job where it stands: its next step is an hour away (background alarms change nothing meanwhile). */
const hold = (jobId: string, patch: (r: JobRecord) => JobRecord = (r) => r) => patchJob(jobId, (r) => ({ ...patch(r), wakeAt: Date.now() + 3_600_000 }));

/** The upstream id of the job's running sandbox job. */
function upstreamOf(rec: JobRecord): string {
  const part = rec.step.kind === "upstream" ? rec.step.parts.find((p) => p.state === "running") : undefined;
  if (!part?.upstreamId) throw new Error(`no upstream job is running (step ${rec.step.kind})`);
  return part.upstreamId;
}

async function expectCancelled(res: Response, jobId: string): Promise<JobView> {
  expect(res.status).toBe(200);
  const job = JobView.parse(await res.json());
  expect(job).toMatchObject({ id: jobId, status: "CANCELLED", errorCode: "cancelled", result: null, error: expect.stringMatching(/cancelled/) });
  expect(job.completedAt).toEqual(expect.any(String));
  return job;
}

afterEach(() => {
  delete sandbox.cancel;
});

describe("cancel", () => {
  it("cancels a QUEUED job and refunds its credits; a second cancel is 409", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const jobId = await createJob(body("cancel: queued"), key);
    await hold(jobId, (r) => ({ ...r, status: "QUEUED", provider: null, progress: null, attempts: [], step: firstStep() }));
    expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20 - LOW, reserved: LOW, spent: 0 });

    const job = await expectCancelled(await cancel(jobId, key), jobId);
    expect(job.attempts).toEqual([]); // nothing had gone upstream
    expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20, reserved: 0, spent: 0 });
    expect(await meCredits(key)).toEqual({ granted: 20, balance: 20, reserved: 0, spent: 0 });

    const again = await cancel(jobId, key);
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(await again.json()).toMatchObject({ code: "conflict", jobStatus: "CANCELLED", detail: expect.stringMatching(/already ended/) });
    expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20, reserved: 0, spent: 0 });
  });

  it("cancels a PROCESSING job, records the upstream it could not cancel, and no later alarm brings it back", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const jobId = await createJob(body("cancel: processing"), key);
    await fireAlarm(jobId); // dispatch
    const before = await storedJob(jobId);
    const upstreamId = upstreamOf(before);
    await hold(jobId);

    const job = await expectCancelled(await cancel(jobId, key), jobId);
    expect(job.attempts.at(-1)).toEqual({ provider: "sandbox", outcome: "cancelled", ms: 0, upstreamId, detail: expect.stringMatching(/cannot cancel/) });
    expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20, reserved: 0, spent: 0 });

    // A later alarm finds nothing to do; a save of a state computed before the cancel is refused.
    await elapse(jobId, 60_000);
    await fireAlarm(jobId);
    const stale = await runInDurableObject(jobStubOf(jobId), (instance: JobDO) =>
      (instance as unknown as { save(r: JobRecord): Promise<JobRecord> }).save({ ...before, status: "COMPLETED", progress: 100 }),
    );
    expect(stale.status).toBe("CANCELLED");
    const after = await storedJob(jobId);
    expect(after).toMatchObject({ status: "CANCELLED", files: [], wakeAt: null });
    expect((await logged(jobId)).map((e) => e.type)).toEqual(["progress", "cancelled"]);
    expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20, reserved: 0, spent: 0 });
    expect((await cancel(jobId, key)).status).toBe(409);
  });

  it("lets an alarm step that was awaiting I/O when the cancel came finish without reviving the job", async () => {
    const { key, accountId } = await mintAccount({ credits: 40 });
    const jobId = await createJob(body("cancel: in flight", { gptImage2Params: { quality: "low", number_of_images: 2 } }), key);
    await fireAlarm(jobId); // dispatch
    await elapse(jobId, 60_000); // the upstream job is done: the next alarm polls, then copies the images into R2
    // The copy of the first image waits until the cancel has been answered.
    const open = sandbox.open;
    let release!: () => void;
    const cancelAnswered = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const copying = new Promise<void>((resolve) => (reached = resolve));
    sandbox.open = async (...args) => {
      reached();
      await cancelAnswered;
      return open(...args);
    };
    try {
      const alarm = fireAlarm(jobId);
      await copying;
      await expectCancelled(await cancel(jobId, key), jobId);
      release();
      await alarm;
    } finally {
      sandbox.open = open;
    }
    // The step ran to its end (the images are in R2), but the job stays cancelled and is not charged.
    expect(await env.FILES.head(`jobs/${jobId}/0.png`)).not.toBeNull();
    expect(await storedJob(jobId)).toMatchObject({ status: "CANCELLED", files: [], progress: expect.any(Number), wakeAt: null });
    expect(await fireAlarm(jobId)).toBe(false); // settled, and no webhook: nothing is owed, so no alarm
    expect((await storedJob(jobId)).status).toBe("CANCELLED");
    expect((await logged(jobId)).map((e) => e.type)).toEqual(["progress", "cancelled"]);
    expect(await checkedLedger(accountId)).toEqual({ granted: 40, balance: 40, reserved: 0, spent: 0 });
  });

  it("answers 409 for a job that has completed, charging as before", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const jobId = await createJob(body("cancel: completed"), key);
    await runToEnd(jobId);
    const res = await cancel(jobId, key);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ status: 409, code: "conflict", jobStatus: "COMPLETED" });
    expect((await storedJob(jobId)).status).toBe("COMPLETED");
    expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20 - LOW, reserved: 0, spent: LOW });
  });

  it("sends job.cancelled to the webhook and ends the event stream with cancelled", async () => {
    const { key } = await mintAccount({ credits: 20 });
    const hook = `cancel-${crypto.randomUUID().slice(0, 8)}`;
    const jobId = await createJob(body("cancel: notify", { webhookUrl: hookUrl(hook) }), key);
    await fireAlarm(jobId);
    await hold(jobId);
    const stream = openEvents(jobId, { key }).then((res) => readToEnd(res));
    await expectCancelled(await cancel(jobId, key), jobId);
    const events = parseSse(await stream).filter((e) => !e.comment);
    expect(events.at(-1)!.event).toBe("cancelled");
    expect(JobView.parse(JSON.parse(events.at(-1)!.data!)).status).toBe("CANCELLED");

    await deliverDue(jobId);
    const [request] = await received(hook);
    const secret = ((await (await api("/v2/me", { key })).json()) as { webhookSecret: string }).webhookSecret;
    const payload = new Webhook(secret).verify(request!.body, request!.headers) as { type: string; data: JobView };
    expect(payload.type).toBe("job.cancelled");
    expect(payload.data).toMatchObject({ id: jobId, status: "CANCELLED", errorCode: "cancelled" });
    expect(((await (await api(`/v2/jobs/${jobId}`, { key })).json()) as JobView).webhookStatus).toBe("delivered");
    expect(await fireAlarm(jobId)).toBe(false);
  });

  it("cancels the apiframe job upstream (through the simulator) and records it", async () => {
    const { key, accountId } = await mintAccount({ credits: 50 });
    const t = tag();
    await addFaults({ provider: "apiframe", match: t, fault: "latency", latencyMs: 600_000 });
    const jobId = await createJob(jobBody(activeModel(["apiframe"]), { prompt: `cancel upstream ${t}`, provider: "apiframe" }, { quality: "low" }), key);
    const accepted = await fireUntil(jobId, (r) => r.attempts.some((a) => a.outcome === "accepted"));
    const upstreamId = accepted.attempts.find((a) => a.outcome === "accepted")!.upstreamId!;
    const job = await expectCancelled(await cancel(jobId, key), jobId);
    expect(job.attempts.at(-1)).toEqual({ provider: "apiframe", outcome: "cancelled", ms: expect.any(Number), upstreamId, detail: "upstream job cancelled" });
    const cancels = (await simCalls(t, "&provider=apiframe&kind=api")).filter((c) => c.path.endsWith("/cancel"));
    expect(cancels.map((c) => [c.method, c.status, c.jobId])).toEqual([["POST", 200, upstreamId]]);
    expect(await checkedLedger(accountId)).toEqual({ granted: 50, balance: 50, reserved: 0, spent: 0 });
    await clearFaults(t);
  });

  it("asks the provider to cancel the upstream job where it can, best effort, recording how it went", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const asked: string[] = [];
    sandbox.cancel = async (upstreamId) => {
      asked.push(upstreamId);
    };
    const first = await createJob(body("cancel: upstream"), key);
    await fireAlarm(first);
    const upstreamId = upstreamOf(await storedJob(first));
    await hold(first);
    const job = await expectCancelled(await cancel(first, key), first);
    expect(asked).toEqual([upstreamId]);
    expect(job.attempts.at(-1)).toMatchObject({ provider: "sandbox", outcome: "cancelled", upstreamId, detail: "upstream job cancelled" });

    sandbox.cancel = async () => {
      throw new Error("upstream said no");
    };
    const second = await createJob(body("cancel: upstream fails"), key);
    await fireAlarm(second);
    await hold(second);
    const failed = await expectCancelled(await cancel(second, key), second);
    expect(failed.attempts.at(-1)).toMatchObject({ outcome: "cancelled", detail: "upstream cancel failed: sandbox error" });
    expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20, reserved: 0, spent: 0 });
  });

  it("cancels the upstream job that a create in flight made after the job was cancelled", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const asked: string[] = [];
    const upstreamCancelled = new Promise<void>((resolve) => {
      sandbox.cancel = async (upstreamId) => {
        asked.push(upstreamId);
        resolve();
      };
    });
    const submit = sandbox.submit;
    let release!: () => void;
    const cancelAnswered = new Promise<void>((resolve) => (release = resolve));
    let reached!: () => void;
    const creating = new Promise<void>((resolve) => (reached = resolve));
    sandbox.submit = async (...args) => {
      reached();
      await cancelAnswered;
      return submit(...args);
    };
    try {
      const jobId = await createJob(body("cancel: create in flight"), key);
      await creating; // the job's first alarm (it is due at once) is creating the upstream job
      const job = await expectCancelled(await cancel(jobId, key), jobId);
      expect(job.attempts).toEqual([]); // nothing known upstream yet
      release();
      await upstreamCancelled;
      let rec = await storedJob(jobId);
      for (let i = 0; i < 50 && !rec.attempts.some((a) => a.outcome === "cancelled"); i++) rec = await storedJob(jobId);
      expect(rec.status).toBe("CANCELLED");
      expect(asked).toEqual([expect.stringMatching(/^sbx_\d+_1$/)]);
      // The trail shows the upstream job the late create made, then its cancellation.
      expect(rec.attempts).toEqual([
        expect.objectContaining({ provider: "sandbox", outcome: "accepted", upstreamId: asked[0] }),
        expect.objectContaining({ provider: "sandbox", outcome: "cancelled", upstreamId: asked[0], detail: "upstream job cancelled" }),
      ]);
      expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20, reserved: 0, spent: 0 });
    } finally {
      sandbox.submit = submit;
    }
  });

  it("answers 404 to another account, and its job runs on", async () => {
    const owner = await mintAccount({ credits: 20 });
    const other = await mintAccount({ credits: 20 });
    const jobId = await createJob(body("cancel: not yours"), owner.key);
    await hold(jobId);
    const res = await cancel(jobId, other.key);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found" });
    expect((await storedJob(jobId)).status).not.toBe("CANCELLED");
    await patchJob(jobId, (r) => ({ ...r, wakeAt: Date.now() }));
    expect((await runToEnd(jobId)).status).toBe("COMPLETED");
  });

  it("answers 404 for a job that does not exist", async () => {
    const res = await cancel(crypto.randomUUID(), (await mintAccount()).key);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});
