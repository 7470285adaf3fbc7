import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { JobEvent } from "../../src/jobs/event-stream";
import { PROGRESS_INTERVAL_MS, type LoggedEvent } from "../../src/jobs/events";
import { JobView } from "../../src/jobs/view.docs";
import { HEARTBEAT } from "../../src/surfaces/native/event-stream";
import { api, createJob, fireAlarm, jobStubOf, patchJob, runToEnd, storedJob } from "../helpers/api";
import { openEvents, parseSse, readToEnd, type SseEvent } from "../helpers/webhooks";

// GET /v2/jobs/:id/events (SPEC §2.1): text/event-stream from the JobDO, `id: <seq>`, `event: progress|completed|
// failed|cancelled`, `data: <job view>`, closed when the job ends; Last-Event-ID resumes; heartbeat comments.

const body = (prompt: string) => ({ prompt, model: "gpt-image-2", gptImage2Params: { quality: "low" } });
const events = (text: string): SseEvent[] => parseSse(text).filter((e) => !e.comment);
const dataOf = (e: SseEvent): JobView => JobView.parse(JSON.parse(e.data!));

const logged = (jobId: string): Promise<LoggedEvent[]> =>
  runInDurableObject(jobStubOf(jobId), async (_i, state) => [...(await state.storage.list<LoggedEvent>({ prefix: "event:" })).values()]);

/** Moves the time of the job's last logged event (the throttle measures from it). */
const moveLastEvent = (jobId: string, at: number): Promise<void> =>
  runInDurableObject(jobStubOf(jobId), async (_i, state) => {
    const [key, event] = [...(await state.storage.list<LoggedEvent>({ prefix: "event:", reverse: true, limit: 1 }))][0]!;
    await state.storage.put(key, { ...event, at });
  });

/** Makes the sandbox's upstream job exactly `ms` old and its poll due now. */
const sandboxElapsed = (jobId: string, ms: number): Promise<void> =>
  patchJob(jobId, (r) => {
    if (r.step.kind !== "upstream" || r.step.parts[0]?.state !== "running") throw new Error(`expected a running upstream part, found ${r.step.kind}`);
    const parts = r.step.parts.map((p) => ({ ...p, upstreamId: `sbx_${Date.now() - ms}_${p.attempt}`, at: Date.now() }));
    return { ...r, step: { ...r.step, parts }, wakeAt: Date.now() };
  });

const saved = { ...HEARTBEAT };
afterEach(() => Object.assign(HEARTBEAT, saved));

describe("job event streams", () => {
  it("streams progress then completed to a client connected from the start, then closes", async () => {
    const jobId = await createJob(body("events: live"));
    const res = await openEvents(jobId);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toMatch(/no-cache/);
    const text = readToEnd(res);
    await runToEnd(jobId);
    const got = events(await text);
    expect(got.length).toBeGreaterThanOrEqual(2);
    expect(got.at(-1)!.event).toBe("completed");
    expect(got.slice(0, -1).every((e) => e.event === "progress")).toBe(true);
    const ids = got.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(dataOf(got[0]!)).toMatchObject({ id: jobId, status: "PROCESSING", result: null });
    const done = dataOf(got.at(-1)!);
    expect(done).toMatchObject({ id: jobId, status: "COMPLETED", progress: 100 });
    const image = new URL(done.result!.images[0]!);
    expect((await api(image.pathname + image.search, { key: null })).status).toBe(200);
  });

  it("gives a client that connects after the end the final event at once, and closes", async () => {
    const jobId = await createJob(body("events: late"));
    await runToEnd(jobId);
    const text = await readToEnd(await openEvents(jobId), 5_000);
    const got = events(text);
    expect(got).toHaveLength(1);
    expect(got[0]!.event).toBe("completed");
    expect(dataOf(got[0]!).status).toBe("COMPLETED");
  });

  it("resumes after Last-Event-ID", async () => {
    const jobId = await createJob(body("events: resume"));
    await runToEnd(jobId);
    const all = events(await readToEnd(await openEvents(jobId, { lastEventId: "0" })));
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((e) => Number(e.id))).toEqual(all.map((_e, i) => i + 1));
    expect(all.at(-1)!.event).toBe("completed");
    const rest = events(await readToEnd(await openEvents(jobId, { lastEventId: all[0]!.id! })));
    expect(rest.map((e) => [e.id, e.event])).toEqual(all.slice(1).map((e) => [e.id, e.event]));
    expect(rest.map((e) => e.data)).toEqual(all.slice(1).map((e) => e.data));
    // After the last event there is nothing more: the stream closes empty.
    expect(await readToEnd(await openEvents(jobId, { lastEventId: all.at(-1)!.id! }))).toBe("");
    expect(await readToEnd(await openEvents(jobId, { lastEventId: "999" }))).toBe("");
  });

  it("resumes a Last-Event-ID beyond the newest event after the newest, and sends what comes next", async () => {
    const jobId = await createJob(body("events: resume ahead"));
    await fireAlarm(jobId);
    await patchJob(jobId, (r) => ({ ...r, wakeAt: Date.now() + 3_600_000 }));
    const newest = (await logged(jobId)).at(-1)!.seq;
    const text = readToEnd(await openEvents(jobId, { lastEventId: "999" }));
    await patchJob(jobId, (r) => ({ ...r, wakeAt: Date.now() }));
    await runToEnd(jobId);
    const got = events(await text);
    expect(got.at(-1)!.event).toBe("completed");
    expect(got.every((e) => Number(e.id) > newest)).toBe(true);
  });

  it("sends progress at most once a second; a change held back goes out with a later save", async () => {
    const jobId = await createJob(body("events: throttle"));
    await fireAlarm(jobId); // dispatch: PROCESSING at 0 %
    await moveLastEvent(jobId, Date.now() + 10_000); // as if the last event had just gone out
    await sandboxElapsed(jobId, 500);
    await fireAlarm(jobId);
    expect((await storedJob(jobId)).progress).toBeGreaterThanOrEqual(50);
    expect((await logged(jobId)).map((e) => [e.type, e.moment.progress])).toEqual([["progress", 0]]);

    await moveLastEvent(jobId, Date.now() - PROGRESS_INTERVAL_MS);
    await sandboxElapsed(jobId, 700);
    await fireAlarm(jobId);
    const log = await logged(jobId);
    expect(log.map((e) => e.type)).toEqual(["progress", "progress"]);
    expect(log[1]!.moment.progress).toBeGreaterThanOrEqual(50);
    await runToEnd(jobId);
  });

  it("sends failed when the job fails", async () => {
    const jobId = await createJob(body("events: failed"));
    await fireAlarm(jobId);
    const res = await openEvents(jobId);
    await patchJob(jobId, (r) => ({ ...r, deadlineAt: Date.now() - 1, wakeAt: Date.now() }));
    await fireAlarm(jobId);
    const last = events(await readToEnd(res)).at(-1)!;
    expect(last.event).toBe("failed");
    expect(dataOf(last)).toMatchObject({ status: "FAILED", errorCode: "timeout", result: null });
  });

  it("keeps an idle stream open with heartbeat comments", async () => {
    Object.assign(HEARTBEAT, { intervalMs: 20 });
    const jobId = await createJob(body("events: heartbeat"));
    await patchJob(jobId, (r) => ({ ...r, wakeAt: Date.now() + 3_600_000 }));
    const newest = (await logged(jobId)).at(-1)?.seq ?? 0;
    const res = await openEvents(jobId, { lastEventId: String(newest) });
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe(": keep-alive\n\n");
    await reader.cancel();
    await patchJob(jobId, (r) => ({ ...r, wakeAt: Date.now() }));
    await runToEnd(jobId);
  });

  it("comes from the JobDO in no dialect: a line of JSON per event, the job as it stood", async () => {
    const jobId = await createJob(body("events: neutral"));
    await runToEnd(jobId);
    const lines = (await new Response(await jobStubOf(jobId).events(0)).text()).split("\n");
    expect(lines.pop()).toBe("");
    const got = lines.map((line) => JSON.parse(line) as JobEvent);
    expect(got.map((e) => e.id)).toEqual(got.map((_e, i) => i + 1));
    expect(got[0]).toMatchObject({ type: "progress", job: { id: jobId, status: "PROCESSING", spec: { model: "gpt-image-2" } } });
    expect(got.at(-1)).toMatchObject({ type: "completed", job: { id: jobId, status: "COMPLETED", progress: 100 } });
  });

  it("takes the key as X-API-Key too, and refuses a request without one", async () => {
    const jobId = await createJob(body("events: auth"));
    await runToEnd(jobId);
    const viaHeader = await api(`/v2/jobs/${jobId}/events`, { key: null, headers: { "x-api-key": (await import("../helpers/api")).DEV_KEY } });
    expect(events(await readToEnd(viaHeader)).map((e) => e.event)).toEqual(["completed"]);
    const none = await api(`/v2/jobs/${jobId}/events`, { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get("content-type")).toBe("application/problem+json");
  });
});
