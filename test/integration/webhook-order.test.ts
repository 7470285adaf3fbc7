import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { LoggedEvent } from "../../src/jobs/events";
import { DELIVERY } from "../../src/webhooks/deliver";
import { MAX_CONCURRENT_DELIVERIES, type OutboxEntry } from "../../src/webhooks/outbox";
import type { ReceivedRequest } from "../sim/receiver";
import { api, createJob, elapse, jobStubOf, runToEnd, storedJob } from "../helpers/api";
import { mintAccount, type TestAccount } from "../helpers/accounts";
import { deliverDue, hookUrl, outboxOf, programReceiver, received } from "../helpers/webhooks";

// The order of a job's webhooks when its receiver fails or hangs (issue 16, point 7): the final event is never queued
// behind progress events, a superseded progress event is dropped rather than retried (and the deliveries list says
// so), and different events go out side by side, a few at once. Alarms are fired, never waited for.

const name = () => `order-${crypto.randomUUID().slice(0, 8)}`;

const webhookJob = (account: TestAccount, hook: string): Promise<string> =>
  createJob({ prompt: `order ${hook}`, model: "gpt-image-2", gptImage2Params: { quality: "low" }, webhookUrl: hookUrl(hook), webhookEvents: ["progress", "completed"] }, account.key);

type Delivery = { event: string; webhookId: string; attempt: number; at: string; statusCode: number | null; latencyMs: number; error: string | null; nextAttemptAt: string | null };
const deliveriesOf = async (id: string, key: string) => (await (await api(`/v2/jobs/${id}/deliveries`, { key })).json()) as { webhookStatus: string | null; data: Delivery[] };
const typeOf = (r: ReceivedRequest): string => (JSON.parse(r.body) as { type: string }).type;

/** Delivers until nothing is pending (at most `rounds` alarms). */
async function deliverAll(jobId: string, rounds = 10): Promise<void> {
  for (let i = 0; i < rounds && (await outboxOf(jobId)).some((e) => e.state === "pending"); i++) await deliverDue(jobId);
}

/** Runs the job alarm by alarm, each time making its pending deliveries due as well (as if their retry time had come). */
async function runWithRetries(jobId: string): Promise<void> {
  for (let i = 0; i < 50 && !["COMPLETED", "FAILED", "CANCELLED"].includes((await storedJob(jobId)).status); i++) {
    await elapse(jobId, 5_000);
    await deliverDue(jobId);
  }
}

/** The most delivery attempts that were in flight at one moment, from the deliveries list. */
function mostAtOnce(data: Delivery[]): number {
  const spans = data.map((d) => ({ from: Date.parse(d.at), to: Date.parse(d.at) + d.latencyMs }));
  return Math.max(0, ...spans.map((s) => spans.filter((o) => o.from <= s.from && s.from < o.to).length));
}

const saved = { ...DELIVERY };
afterEach(() => Object.assign(DELIVERY, saved));

describe("webhook order", () => {
  it("never retries a progress event a later event superseded: after the receiver recovers, only job.completed goes", async () => {
    const account = await mintAccount({ credits: 100 });
    const hook = name();
    await programReceiver(hook, { statuses: Array(30).fill(503) });
    const jobId = await webhookJob(account, hook);
    await runToEnd(jobId);
    const failedProgress = (await received(hook)).filter((r) => typeOf(r) === "job.progress");
    expect(failedProgress.length).toBeGreaterThan(0);

    await programReceiver(hook, {});
    const before = (await received(hook)).length;
    await deliverAll(jobId);
    const after = (await received(hook)).slice(before);
    expect(after.map(typeOf)).toEqual(["job.completed"]);
    expect(after[0]!.status).toBe(200);

    // Every progress event was tried once and is settled as dropped: none is left to retry.
    const progress = (await outboxOf(jobId)).filter((e) => e.type === "job.progress");
    expect(progress.every((e) => e.state === "dropped" && e.nextAt === null && e.attempts <= 1)).toBe(true);
    const deliveries = await deliveriesOf(jobId, account.key);
    expect(deliveries.webhookStatus).toBe("delivered");
    const progressAttempts = deliveries.data.filter((d) => d.event === "job.progress");
    expect(progressAttempts).toHaveLength(failedProgress.length);
    for (const d of progressAttempts) {
      // The list no longer promises a retry, and says why.
      expect(d).toMatchObject({ attempt: 1, statusCode: 503, nextAttemptAt: null });
      expect(d.error).toMatch(/^the receiver answered 503; superseded by job\.(progress|completed), so not retried$/);
    }
    expect(deliveries.data.at(-1)).toMatchObject({ event: "job.completed", statusCode: 200, nextAttemptAt: null });
  });

  it("sends job.completed beside a progress delivery that hangs, not after it, and keeps its webhook-id across retries", async () => {
    Object.assign(DELIVERY, { timeoutMs: 1500 });
    const account = await mintAccount({ credits: 100 });
    const hook = name();
    await programReceiver(hook, { delayMs: 5000 });
    const jobId = await webhookJob(account, hook);
    await runWithRetries(jobId);

    // The job ended in an alarm whose deliveries were all hanging: job.completed was sent in it all the same, while
    // a progress attempt was still awaiting its answer.
    const hung = await received(hook);
    const completed = hung.filter((r) => typeOf(r) === "job.completed");
    expect(completed.length).toBeGreaterThan(0);
    const first = completed[0]!.at;
    expect(hung.some((r) => typeOf(r) === "job.progress" && r.at <= first && first < r.at + DELIVERY.timeoutMs)).toBe(true);

    await programReceiver(hook, {});
    await deliverAll(jobId);
    const all = await received(hook);
    expect(all.slice(hung.length).map(typeOf)).toEqual(["job.completed"]);
    expect(new Set(all.filter((r) => typeOf(r) === "job.completed").map((r) => r.headers["webhook-id"])).size).toBe(1);
    const deliveries = await deliveriesOf(jobId, account.key);
    expect(deliveries.webhookStatus).toBe("delivered");
    // Each progress event's last attempt says it was superseded, and promises no retry.
    const progress = deliveries.data.filter((d) => d.event === "job.progress");
    expect(progress.length).toBeGreaterThan(0);
    for (const id of new Set(progress.map((d) => d.webhookId))) {
      expect(progress.filter((d) => d.webhookId === id).at(-1)).toMatchObject({ nextAttemptAt: null, error: expect.stringMatching(/; superseded by job\.(progress|completed), so not retried$/) });
    }
  });

  it(`delivers different events side by side, at most ${MAX_CONCURRENT_DELIVERIES} at once, none twice at once`, async () => {
    Object.assign(DELIVERY, { timeoutMs: 1000 });
    const account = await mintAccount({ credits: 100 });
    const hook = name();
    const jobId = await webhookJob(account, hook);
    await runToEnd(jobId);
    await deliverAll(jobId);
    // Five more events owed at once (as the final one is: no progress event supersedes them), to a receiver that hangs.
    await programReceiver(hook, { delayMs: 3000 });
    await runInDurableObject(jobStubOf(jobId), async (_i, state) => {
      const [done] = [...(await state.storage.list<OutboxEntry>({ prefix: "outbox:" })).values()].filter((e) => e.type === "job.completed");
      const pad = (seq: number) => String(seq).padStart(10, "0");
      const event = await state.storage.get<LoggedEvent>(`event:${pad(done!.seq)}`);
      for (let seq = done!.seq + 1; seq <= done!.seq + 5; seq++) {
        const entry: OutboxEntry = { ...done!, seq, webhookId: `msg_extra${seq}`, attempts: 0, nextAt: Date.now(), state: "pending", body: null };
        await state.storage.put({ [`outbox:${pad(seq)}`]: entry, [`event:${pad(seq)}`]: { ...event!, seq } });
      }
    });
    await deliverDue(jobId);
    await deliverDue(jobId);

    const extra = (await deliveriesOf(jobId, account.key)).data.filter((d) => d.webhookId.startsWith("msg_extra"));
    expect(extra.length).toBeGreaterThanOrEqual(5);
    expect(mostAtOnce(extra)).toBe(MAX_CONCURRENT_DELIVERIES);
    for (const id of new Set(extra.map((d) => d.webhookId))) expect(mostAtOnce(extra.filter((d) => d.webhookId === id))).toBe(1);
  });
});
