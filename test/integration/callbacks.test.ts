import { SELF, env, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/jobs/record";
import { advance, postJson, sim, tag, takeCallbacks, type Callback } from "../sim/testing";
import { createJob, fireAlarm, jobStubOf, patchJob, storedJob } from "../helpers/api";
import { activeModel } from "../helpers/models";
import { addFaults, createsOf, driveToEnd, fireUntil, resetCircuits } from "../helpers/upstream";

// Upstream callbacks (SPEC §4.5): a valid one brings the job's next poll forward (the poll, not the callback, decides);
// a forged one is refused with 401 and changes nothing; a lost one is covered by polling.

const TOKEN = env.LEONARDO_WEBHOOK_TOKEN!;

beforeEach(resetCircuits);
beforeAll(async () => {
  const res = await sim("/config", postJson({ leonardo: { apiKey: env.LEONARDO_API_KEY, callbackUrl: "https://imagegate.test/hooks/leonardo", callbackToken: TOKEN } }));
  expect(res.status).toBe(200);
});
afterAll(async () => {
  await sim("/config", postJson({ leonardo: { apiKey: env.LEONARDO_API_KEY, callbackUrl: null } }));
});

const forward = (cb: Pick<Callback, "url" | "headers" | "body">, headers: Record<string, string> = {}): Promise<Response> =>
  SELF.fetch(cb.url, { method: "POST", headers: { ...cb.headers, ...headers }, body: cb.body });

type Upstream = Extract<JobRecord["step"], { kind: "upstream" }>;
const partOf = (rec: JobRecord) => (rec.step as Upstream).parts[0]!;

/** A job accepted upstream whose next poll is pushed an hour away: only a callback can make it move soon. */
async function acceptedAndWaiting(provider: "leonardo" | "apiframe", fault?: Record<string, unknown>) {
  const t = tag();
  if (fault) await addFaults({ provider, match: t, ...fault });
  const jobId = await createJob({ prompt: `callback ${provider} ${t}`, model: activeModel([provider]).id, provider });
  await fireUntil(jobId, (r) => r.attempts.some((a) => a.outcome === "accepted"));
  const later = Date.now() + 3600_000;
  await patchJob(jobId, (r) => ({ ...r, wakeAt: later, step: { ...(r.step as Upstream), parts: (r.step as Upstream).parts.map((p) => ({ ...p, at: later })) } }));
  await runInDurableObject(jobStubOf(jobId), (_instance, state) => state.storage.setAlarm(later));
  return { t, jobId, upstreamId: partOf(await storedJob(jobId)).upstreamId!, later };
}

const alarmOf = (jobId: string): Promise<number | null> => runInDurableObject(jobStubOf(jobId), (_instance, state) => state.storage.getAlarm());

async function expectRefused(res: Response): Promise<void> {
  expect(res.status).toBe(401);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  expect(((await res.json()) as { code: string }).code).toBe("unauthorized");
}

describe("apiframe callbacks", () => {
  it("a signed completion callback brings the poll forward, and the poll completes the job", async () => {
    const { t, jobId } = await acceptedAndWaiting("apiframe");
    await advance({ ms: 60_000, match: t });
    const callbacks = await takeCallbacks(t, 2000);
    const completed = callbacks.find((c) => c.event === "completed")!;
    expect(completed.url).toBe(`https://imagegate.test/hooks/apiframe?job=${jobId}`);
    const res = await forward(completed);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, woke: true });
    // The job's alarm is brought forward to now; the alarm's poll (not the callback) completes the job.
    expect((await alarmOf(jobId)) ?? 0).toBeLessThanOrEqual(Date.now());
    await fireAlarm(jobId);
    expect(await storedJob(jobId)).toMatchObject({ status: "COMPLETED", provider: "apiframe" });
  });

  it("finds the job through the upstream id index when the callback URL carries no job", async () => {
    const { t, jobId } = await acceptedAndWaiting("apiframe");
    await advance({ ms: 60_000, match: t });
    const completed = (await takeCallbacks(t, 2000)).find((c) => c.event === "completed")!;
    const res = await forward({ ...completed, url: "https://imagegate.test/hooks/apiframe" });
    expect(await res.json()).toEqual({ received: true, woke: true });
    await fireAlarm(jobId);
    expect((await storedJob(jobId)).status).toBe("COMPLETED");
  });

  it("refuses forged, tampered and unsigned callbacks with 401 and leaves the job as it was", async () => {
    const { t, jobId, later } = await acceptedAndWaiting("apiframe");
    await advance({ ms: 60_000, match: t });
    const completed = (await takeCallbacks(t, 2000)).find((c) => c.event === "completed")!;
    const before = await storedJob(jobId);
    const signature = completed.headers["x-webhook-signature"]!;
    const flipped = signature.slice(0, -1) + (signature.endsWith("0") ? "1" : "0");
    await expectRefused(await forward(completed, { "x-webhook-signature": flipped }));
    await expectRefused(await forward({ ...completed, body: completed.body.replace('"COMPLETED"', '"FAILED"') }));
    await expectRefused(await forward(completed, { "x-webhook-signature": "" }));
    await expectRefused(await forward(completed, { "x-webhook-signature": `sha1=${signature.slice(7)}` }));
    expect(await storedJob(jobId)).toEqual(before);
    expect(await alarmOf(jobId)).toBe(later);
  });

  it("a lost callback is covered by polling", async () => {
    const t = tag();
    await addFaults({ provider: "apiframe", match: t, fault: "no_callback" });
    const jobId = await createJob({ prompt: `lost callback ${t}`, model: activeModel(["apiframe"]).id, provider: "apiframe" });
    const rec = await driveToEnd(jobId, t);
    expect(rec.status).toBe("COMPLETED");
    expect(await takeCallbacks(t)).toEqual([]);
  });
});

describe("leonardo callbacks", () => {
  it("a completion callback with the key's token brings the poll forward, and the poll completes the job", async () => {
    const { t, jobId, upstreamId } = await acceptedAndWaiting("leonardo");
    await advance({ ms: 60_000, match: t });
    const [callback, ...rest] = await takeCallbacks(t, 2000);
    expect(rest).toEqual([]);
    expect(callback!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(callback!.body).data.object.id).toBe(upstreamId);
    const res = await forward(callback!);
    expect(await res.json()).toEqual({ received: true, woke: true });
    expect((await alarmOf(jobId)) ?? 0).toBeLessThanOrEqual(Date.now());
    await fireAlarm(jobId);
    expect(await storedJob(jobId)).toMatchObject({ status: "COMPLETED", provider: "leonardo" });
  });

  it("does not trust the callback: a premature one only causes a poll, and the job keeps waiting", async () => {
    const { t, jobId, upstreamId } = await acceptedAndWaiting("leonardo", { fault: "latency", latencyMs: 600_000 });
    expect(await createsOf(t, "leonardo")).toHaveLength(1);
    const body = JSON.stringify({ type: "image_generation.complete", object: "generation", timestamp: Date.now(), api_version: "v1", data: { object: { id: upstreamId, status: "COMPLETE", images: [] } } });
    const res = await forward({ url: "https://imagegate.test/hooks/leonardo", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body });
    expect(await res.json()).toEqual({ received: true, woke: true });
    await fireAlarm(jobId);
    const rec = await storedJob(jobId);
    // The upstream generation is still PENDING (its latency is long), so the job is still waiting on it.
    expect(rec.status).toBe("PROCESSING");
    expect(partOf(rec).polls).toBe(1);
    expect(rec.files).toEqual([]);
  });

  it("refuses a wrong or missing token with 401 and leaves the job as it was", async () => {
    const { t, jobId, later } = await acceptedAndWaiting("leonardo");
    await advance({ ms: 60_000, match: t });
    const [callback] = await takeCallbacks(t, 2000);
    const before = await storedJob(jobId);
    await expectRefused(await forward(callback!, { authorization: `Bearer ${TOKEN}x` }));
    await expectRefused(await forward(callback!, { authorization: "" }));
    await expectRefused(await forward(callback!, { authorization: `Basic ${btoa(`x:${TOKEN}`)}` }));
    expect(await storedJob(jobId)).toEqual(before);
    expect(await alarmOf(jobId)).toBe(later);
  });

  it("answers a valid callback for a generation it does not know without waking anything", async () => {
    const body = JSON.stringify({ type: "image_generation.complete", object: "generation", data: { object: { id: crypto.randomUUID() } } });
    const res = await forward({ url: "https://imagegate.test/hooks/leonardo", headers: { authorization: `Bearer ${TOKEN}` }, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, woke: false });
  });

  it("refuses a body that is not a callback with 400", async () => {
    const res = await forward({ url: "https://imagegate.test/hooks/leonardo", headers: { authorization: `Bearer ${TOKEN}` }, body: "{not json" });
    expect(res.status).toBe(400);
  });

  it("a lost callback is covered by polling", async () => {
    const t = tag();
    await addFaults({ provider: "leonardo", match: t, fault: "no_callback" });
    const jobId = await createJob({ prompt: `lost callback ${t}`, model: activeModel(["leonardo"]).id, provider: "leonardo" });
    const rec = await driveToEnd(jobId, t);
    expect(rec.status).toBe("COMPLETED");
    expect(await takeCallbacks(t)).toEqual([]);
  });
});

describe("the callback routes", () => {
  const post = (path: string, headers: Record<string, string>, body: string): Promise<Response> =>
    SELF.fetch(`https://imagegate.test${path}`, { method: "POST", headers, body });
  const huge = JSON.stringify({ type: "image_generation.complete", data: { object: { id: "x" } }, pad: "x".repeat(1024 * 1024) });

  it("are the adapters' callbacks: a provider without one, or no provider, is a 404 problem", async () => {
    for (const path of ["/hooks/sandbox", "/hooks/openai", "/hooks/nobody"]) {
      const res = await post(path, { authorization: `Bearer ${TOKEN}` }, "{}");
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
  });

  it("check credentials in headers before reading the body, and cap what they read at 1 MB", async () => {
    await expectRefused(await post("/hooks/leonardo", { authorization: `Bearer ${TOKEN}x` }, huge));
    await expectRefused(await post("/hooks/apiframe", {}, huge));
    const tooLarge = await post("/hooks/leonardo", { authorization: `Bearer ${TOKEN}` }, huge);
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { code: string }).code).toBe("payload_too_large");
    const signed = await post("/hooks/apiframe", { "x-webhook-signature": `sha256=${"0".repeat(64)}` }, huge);
    expect(signed.status).toBe(413);
  });
});
