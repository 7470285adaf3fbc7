import { runInDurableObject } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it } from "vitest";
import { JobView } from "../../src/jobs/view.docs";
import { DELIVERY } from "../../src/webhooks/deliver";
import { RETRY_DELAYS_MS } from "../../src/webhooks/schedule";
import type { ReceivedRequest } from "../sim/receiver";
import { api, createJob, fireAlarm, jobStubOf, runToEnd } from "../helpers/api";
import { mintAccount, type TestAccount } from "../helpers/accounts";
import { deliverDue, hookUrl, outboxOf, programReceiver, received } from "../helpers/webhooks";

// Outbound webhooks (SPEC §6), checked by the standardwebhooks library: signatures (also across a secret rotation),
// ids stable across retries, timestamps, the retry schedule, 410, 3xx, timeouts, the events filter, webhookStatus and
// the deliveries list. Retries are driven by moving their due time into the past and firing the JobDO's alarm.

const name = () => `hook-${crypto.randomUUID().slice(0, 8)}`;

async function webhookJob(account: TestAccount, hook: string, extra: Record<string, unknown> = {}): Promise<string> {
  return createJob({ prompt: `webhook ${hook}`, model: "gpt-image-2", gptImage2Params: { quality: "low" }, webhookUrl: hookUrl(hook), ...extra }, account.key);
}

const secretOf = async (key: string): Promise<string> => ((await (await api("/v2/me", { key })).json()) as { webhookSecret: string }).webhookSecret;
const jobOf = async (id: string, key: string) => (await (await api(`/v2/jobs/${id}`, { key })).json()) as JobView;
const deliveriesOf = async (id: string, key: string) =>
  (await (await api(`/v2/jobs/${id}/deliveries`, { key })).json()) as { webhookStatus: string | null; data: Array<Record<string, any>> };

/** Verifies a received request with the standardwebhooks library and returns its payload. */
function verified(secret: string, request: ReceivedRequest): { type: string; timestamp: string; data: JobView } {
  return new Webhook(secret).verify(request.body, request.headers) as { type: string; timestamp: string; data: JobView };
}

/** Delivers until nothing is due any more (at most `rounds` alarms), never sleeping. */
async function deliverAll(jobId: string, rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const pending = (await outboxOf(jobId)).filter((e) => e.state === "pending");
    if (pending.length === 0) return;
    await deliverDue(jobId);
  }
}

const saved = { ...DELIVERY };
afterEach(() => Object.assign(DELIVERY, saved));

describe("outbound webhooks", () => {
  it("delivers progress and completed, signed per Standard Webhooks with the account's secret", async () => {
    const account = await mintAccount({ credits: 100 });
    const hook = name();
    const jobId = await webhookJob(account, hook, { webhookEvents: ["progress", "completed"], metadata: { order: "42" } });
    await runToEnd(jobId);
    await deliverAll(jobId);
    const requests = await received(hook);
    const secret = await secretOf(account.key);
    const payloads = requests.map((r) => verified(secret, r));
    expect(payloads.map((p) => p.type)).toEqual([...payloads.slice(0, -1).map(() => "job.progress"), "job.completed"]);
    expect(payloads.length).toBeGreaterThanOrEqual(2);

    for (const [i, request] of requests.entries()) {
      expect(request.method).toBe("POST");
      expect(request.headers["content-type"]).toBe("application/json");
      expect(request.headers["webhook-id"]).toMatch(/^msg_[0-9A-Za-z]{24}$/);
      expect(request.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      // Seconds since the epoch, taken when the request was sent.
      expect(request.headers["webhook-timestamp"]).toMatch(/^\d{10}$/);
      expect(Math.abs(Number(request.headers["webhook-timestamp"]) - request.at / 1000)).toBeLessThan(5);
      const payload = payloads[i]!;
      expect(Object.keys(payload).sort()).toEqual(["data", "timestamp", "type"]);
      expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp);
      expect(JobView.parse(payload.data)).toMatchObject({ id: jobId, metadata: { order: "42" } });
    }
    expect(new Set(requests.map((r) => r.headers["webhook-id"])).size).toBe(requests.length);
    expect(payloads[0]!.data).toMatchObject({ status: "PROCESSING", result: null });
    const done = payloads.at(-1)!.data;
    expect(done).toMatchObject({ status: "COMPLETED", progress: 100, webhookStatus: "pending" });
    // Its file URLs are signed against the job's origin and serve the image.
    const image = new URL(done.result!.images[0]!);
    expect(image.origin).toBe("https://imagegate.test");
    expect((await api(image.pathname + image.search, { key: null })).status).toBe(200);

    expect((await jobOf(jobId, account.key)).webhookStatus).toBe("delivered");
    const deliveries = await deliveriesOf(jobId, account.key);
    expect(deliveries.webhookStatus).toBe("delivered");
    expect(deliveries.data.map((d) => d.statusCode)).toEqual(requests.map(() => 200));
    expect(deliveries.data.at(-1)).toMatchObject({ event: "job.completed", webhookId: requests.at(-1)!.headers["webhook-id"], attempt: 1, error: null, nextAttemptAt: null });
    expect(deliveries.data.at(-1)!.latencyMs).toEqual(expect.any(Number));
    expect(await fireAlarm(jobId)).toBe(false); // nothing left owed
  });

  it("retries a receiver that failed, with the same webhook-id and body, on the schedule, until it answers 2xx", async () => {
    const account = await mintAccount({ credits: 100 });
    const hook = name();
    await programReceiver(hook, { statuses: [503, 500] });
    const jobId = await webhookJob(account, hook);
    // The first attempt goes out in the alarm that ends the job.
    await runToEnd(jobId);

    let deliveries = await deliveriesOf(jobId, account.key);
    expect(deliveries.data[0]).toMatchObject({ event: "job.completed", attempt: 1, statusCode: 503, error: "the receiver answered 503" });
    const wait = Date.parse(deliveries.data[0]!.nextAttemptAt) - Date.parse(deliveries.data[0]!.at);
    expect(wait).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[0] * 0.8 - 1000);
    expect(wait).toBeLessThanOrEqual(RETRY_DELAYS_MS[0] * 1.2 + 1000);
    expect((await jobOf(jobId, account.key)).webhookStatus).toBe("pending");
    // The ended job still owes this delivery, so its alarm is set for the retry.
    expect(await runInDurableObject(jobStubOf(jobId), (_i, state) => state.storage.getAlarm())).toBe(Date.parse(deliveries.data[0]!.nextAttemptAt));

    await deliverDue(jobId);
    deliveries = await deliveriesOf(jobId, account.key);
    const second = deliveries.data[1]!;
    expect(second).toMatchObject({ attempt: 2, statusCode: 500 });
    expect(Date.parse(second.nextAttemptAt) - Date.parse(second.at)).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[1] * 0.8);

    await deliverDue(jobId);
    const requests = await received(hook);
    expect(requests.map((r) => r.status)).toEqual([503, 500, 200]);
    expect(new Set(requests.map((r) => r.headers["webhook-id"])).size).toBe(1);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);
    const secret = await secretOf(account.key);
    for (const r of requests) expect(verified(secret, r).type).toBe("job.completed");
    expect((await jobOf(jobId, account.key)).webhookStatus).toBe("delivered");
    expect((await deliveriesOf(jobId, account.key)).data.map((d) => [d.attempt, d.statusCode, d.nextAttemptAt === null])).toEqual([
      [1, 503, false],
      [2, 500, false],
      [3, 200, true],
    ]);
  });

  it("gives up after the last retry of the schedule: webhookStatus failed, no alarm left", async () => {
    const account = await mintAccount({ credits: 100 });
    const hook = name();
    await programReceiver(hook, { statuses: Array(9).fill(503) });
    const jobId = await webhookJob(account, hook);
    await runToEnd(jobId);
    for (let i = 0; i < 8; i++) await deliverDue(jobId);
    const deliveries = await deliveriesOf(jobId, account.key);
    expect(deliveries.data).toHaveLength(8);
    for (const [i, d] of deliveries.data.slice(0, 7).entries()) {
      const wait = Date.parse(d.nextAttemptAt) - Date.parse(d.at);
      expect(wait).toBeGreaterThanOrEqual(RETRY_DELAYS_MS[i]! * 0.8 - 1000);
      expect(wait).toBeLessThanOrEqual(RETRY_DELAYS_MS[i]! * 1.2 + 1000);
    }
    expect(deliveries.data[7]).toMatchObject({ attempt: 8, statusCode: 503, nextAttemptAt: null });
    expect(deliveries.webhookStatus).toBe("failed");
    expect((await jobOf(jobId, account.key)).webhookStatus).toBe("failed");
    expect(await fireAlarm(jobId)).toBe(false);
    expect(await received(hook)).toHaveLength(8);
  });

  it("stops at once on 410 Gone: no retry and no later event", async () => {
    const account = await mintAccount({ credits: 100 });
    const hook = name();
    await programReceiver(hook, { statuses: [410] });
    const jobId = await webhookJob(account, hook, { webhookEvents: ["progress", "completed"] });
    await runToEnd(jobId);
    await deliverAll(jobId);
    await deliverDue(jobId);
    const requests = await received(hook);
    expect(requests.map((r) => r.status)).toEqual([410]);
    const deliveries = await deliveriesOf(jobId, account.key);
    expect(deliveries.data).toEqual([expect.objectContaining({ statusCode: 410, nextAttemptAt: null, error: expect.stringMatching(/410 Gone/) })]);
    expect(deliveries.webhookStatus).toBe("failed");
    expect(await fireAlarm(jobId)).toBe(false);
  });

  it("counts a redirect as a failure and never follows it", async () => {
    const account = await mintAccount({ credits: 100 });
    const hook = name();
    await programReceiver(hook, { statuses: [307, 301] });
    const jobId = await webhookJob(account, hook);
    await runToEnd(jobId);
    await deliverDue(jobId);
    await deliverDue(jobId);
    await deliverDue(jobId);
    expect((await received(hook)).map((r) => r.status)).toEqual([307, 301, 200]);
    expect(await received(`${hook}-redirected`)).toEqual([]);
    const deliveries = await deliveriesOf(jobId, account.key);
    expect(deliveries.data.map((d) => d.statusCode)).toEqual([307, 301, 200]);
    expect(deliveries.data[0]!.error).toMatch(/redirected \(307\).*do not follow/);
    expect(deliveries.webhookStatus).toBe("delivered");
  });

  it("counts a receiver that does not answer in time as a failure, and retries", async () => {
    Object.assign(DELIVERY, { timeoutMs: 100 });
    const account = await mintAccount({ credits: 100 });
    const hook = name();
    await programReceiver(hook, { delayMs: 1000 });
    const jobId = await webhookJob(account, hook);
    // The first attempt goes out in the alarm that ends the job.
    await runToEnd(jobId);
    const [first] = (await deliveriesOf(jobId, account.key)).data;
    expect(first).toMatchObject({ attempt: 1, statusCode: null, error: "no answer within 0.1 s" });
    expect(first!.nextAttemptAt).not.toBeNull();
    await programReceiver(hook, {});
    await deliverDue(jobId);
    expect((await deliveriesOf(jobId, account.key)).data.map((d) => d.statusCode)).toEqual([null, 200]);
  });

  it("signs with both secrets during a rotation: verifiers holding either one accept", async () => {
    const account = await mintAccount({ credits: 100 });
    const old = await secretOf(account.key);
    const before = name();
    const first = await webhookJob(account, before);
    await runToEnd(first);
    await deliverAll(first);
    const [single] = await received(before);
    expect(single!.headers["webhook-signature"]!.split(" ")).toHaveLength(1);

    const rotated = (await (await api("/v2/me/webhook-secret/rotate", { method: "POST", key: account.key })).json()) as { webhookSecret: string };
    const hook = name();
    const jobId = await webhookJob(account, hook);
    await runToEnd(jobId);
    await deliverAll(jobId);
    const [request] = await received(hook);
    expect(request!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(verified(rotated.webhookSecret, request!).data.id).toBe(jobId);
    expect(verified(old, request!).data.id).toBe(jobId);
    expect(() => verified(`whsec_${btoa("someone else's secret, 32 bytes!")}`, request!)).toThrow(/No matching signature/);
  });

  it("keeps every secret of the last 24 h signing across rotations, at most three at once", async () => {
    const account = await mintAccount({ credits: 100 });
    const secrets = [await secretOf(account.key)];
    const rotate = async () => {
      const res = await api("/v2/me/webhook-secret/rotate", { method: "POST", key: account.key });
      secrets.push(((await res.json()) as { webhookSecret: string }).webhookSecret);
    };
    const signedBy = async () => {
      const hook = name();
      const jobId = await webhookJob(account, hook);
      await runToEnd(jobId);
      await deliverAll(jobId);
      const [request] = await received(hook);
      const accepted = secrets.filter((secret) => {
        try {
          return verified(secret, request!).data.id === jobId;
        } catch {
          return false;
        }
      });
      return { accepted, signatures: request!.headers["webhook-signature"]!.split(" ").length };
    };

    await rotate();
    await rotate();
    expect(new Set(secrets).size).toBe(3);
    expect(await signedBy()).toEqual({ accepted: secrets, signatures: 3 });

    // A third rotation within the overlap retires the oldest at once: never more than three signatures.
    await rotate();
    expect(await signedBy()).toEqual({ accepted: secrets.slice(1), signatures: 3 });
  });

  it("sends only the events the job asked for", async () => {
    const account = await mintAccount({ credits: 100 });
    const hook = name();
    const jobId = await webhookJob(account, hook, { webhookEvents: ["failed", "cancelled"] });
    await runToEnd(jobId);
    await deliverAll(jobId);
    expect(await received(hook)).toEqual([]);
    expect(await outboxOf(jobId)).toEqual([]);
    expect((await jobOf(jobId, account.key)).webhookStatus).toBeNull();
    expect(await fireAlarm(jobId)).toBe(false);
  });

  it("has nothing to deliver for a job without a webhook", async () => {
    const account = await mintAccount({ credits: 100 });
    const jobId = await createJob({ prompt: "no webhook", model: "gpt-image-2", gptImage2Params: { quality: "low" } }, account.key);
    await runToEnd(jobId);
    expect(await deliveriesOf(jobId, account.key)).toEqual({ webhookStatus: null, data: [] });
  });
});
