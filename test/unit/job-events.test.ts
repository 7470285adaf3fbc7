import { describe, expect, it } from "vitest";
import { decodeJobEvents, type JobEvent } from "../../src/jobs/event-stream";
import { changeEvent, nextEvent, PROGRESS_INTERVAL_MS, type LoggedEvent } from "../../src/jobs/events";
import { nextAlarmAt, SETTLE_RETRY_MS } from "../../src/jobs/next-alarm";
import type { JobRecord, JobStatus } from "../../src/jobs/record";
import { sseFrame } from "../../src/surfaces/native/event-stream";
import { preferredWait } from "../../src/surfaces/native/prefer";

// The pure rules behind events, alarms and Prefer: which change makes an event, which save logs one (progress
// throttled to one a second), how the JobDO's stream carries them, when its alarm fires next, how Prefer is read.

const T = 1_700_000_000_000;
const job = (status: JobStatus, progress: number | null, extra: Partial<JobRecord> = {}): JobRecord =>
  ({ status, progress, provider: "sandbox", files: [], error: null, errorCode: null, completedAt: null, attempts: [], wakeAt: T + 250, deadlineAt: T + 600_000, ...extra }) as JobRecord;
const logged = (seq: number, status: JobStatus, progress: number | null, at: number): LoggedEvent => ({
  ...nextEvent(null, job(status, progress), at)!.event,
  seq,
});

describe("which change makes an event", () => {
  it.each([
    ["nothing on admission", null, job("QUEUED", null), null],
    ["progress when the job starts", job("QUEUED", null), job("PROCESSING", null), "progress"],
    ["progress on every change of it, unthrottled", job("PROCESSING", 10), job("PROCESSING", 11), "progress"],
    ["nothing for the same progress", job("PROCESSING", 10), job("PROCESSING", 10), null],
    ["the end", job("PROCESSING", 10), job("FAILED", null), "failed"],
    ["nothing after the end", job("COMPLETED", 100), job("COMPLETED", 100), null],
  ] as const)("%s", (_name, before, after, expected) => {
    expect(changeEvent(before, after)).toBe(expected);
  });
});

describe("which save logs an event", () => {
  it.each([
    ["nothing while QUEUED", null, job("QUEUED", null), T, null],
    ["progress when the job starts", null, job("PROCESSING", 0), T, "progress"],
    ["no repeat of the same progress", logged(1, "PROCESSING", 0, T - 5000), job("PROCESSING", 0), T, null],
    ["a change within the second is held back", logged(1, "PROCESSING", 0, T - PROGRESS_INTERVAL_MS + 1), job("PROCESSING", 40), T, "held"],
    ["a change a second later goes out", logged(1, "PROCESSING", 0, T - PROGRESS_INTERVAL_MS), job("PROCESSING", 40), T, "progress"],
    ["the end, whatever the throttle", logged(1, "PROCESSING", 40, T - 1), job("COMPLETED", 100), T, "completed"],
    ["failed", null, job("FAILED", null), T, "failed"],
    ["cancelled", logged(1, "PROCESSING", 40, T - 1), job("CANCELLED", 40), T, "cancelled"],
    ["nothing after the end", logged(2, "COMPLETED", 100, T - 5000), job("COMPLETED", 100), T, null],
  ] as const)("%s", (_name, last, rec, now, expected) => {
    expect(nextEvent(last, rec, now)?.event.type ?? null).toBe(expected === "held" ? null : expected);
  });

  it("numbers events in order and keeps the moment they describe", () => {
    const first = nextEvent(null, job("PROCESSING", 0), T)!;
    expect(first.event).toMatchObject({ seq: 1, type: "progress", at: T, moment: { status: "PROCESSING", progress: 0 } });
    expect(first.key).toBe("event:0000000001");
    const second = nextEvent(first.event, job("COMPLETED", 100), T + 10)!;
    expect(second.event).toMatchObject({ seq: 2, type: "completed", moment: { status: "COMPLETED", progress: 100 } });
    expect(second.key).toBe("event:0000000002");
  });

  it("frames an event as SSE: id, event, one data line", () => {
    expect(sseFrame({ id: 1, type: "progress" }, { id: "j", text: "two\nlines" })).toBe('id: 1\nevent: progress\ndata: {"id":"j","text":"two\\nlines"}\n\n');
  });

  it("reads the JobDO's event stream back into its events, however the bytes are cut", async () => {
    const sent: JobEvent[] = [1, 2].map((id) => ({ id, type: "progress", job: { id: "j", text: "two\nlines é" } as unknown as JobEvent["job"] }));
    const bytes = new TextEncoder().encode(sent.map((e) => `${JSON.stringify(e)}\n`).join(""));
    const cut = bytes.indexOf(0xc3) + 1; // inside the first "é"
    const pieces = [bytes.subarray(0, 3), bytes.subarray(3, cut), bytes.subarray(cut)];
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const piece of pieces) controller.enqueue(piece);
        controller.close();
      },
    });
    const got: JobEvent[] = [];
    for await (const event of stream.pipeThrough(decodeJobEvents())) got.push(event);
    expect(got).toEqual(sent);
  });
});

describe("when the JobDO's alarm fires next", () => {
  const none = { settled: true, webhookDueAt: null };
  it.each([
    ["a running job: its next step", job("PROCESSING", 10), none, T + 250],
    ["a running job whose step is later than its deadline: the deadline", job("PROCESSING", 10, { wakeAt: T + 700_000 }), none, T + 600_000],
    ["a running job without a step time: its deadline", job("QUEUED", null, { wakeAt: null }), none, T + 600_000],
    ["a running job with a webhook due sooner: the webhook", job("PROCESSING", 10), { settled: true, webhookDueAt: T + 5 }, T + 5],
    ["a running job a provider callback nudged: now", job("PROCESSING", 10), { settled: true, webhookDueAt: null, nudged: true }, T],
    ["an ended job, nudged too late: nothing for the nudge", job("COMPLETED", 100, { wakeAt: null }), { settled: true, webhookDueAt: null, nudged: true }, null],
    ["an ended job that owes nothing: none", job("COMPLETED", 100, { wakeAt: null }), none, null],
    ["an ended job not yet settled: the settlement retry", job("FAILED", null, { wakeAt: null }), { settled: false, webhookDueAt: null }, T + SETTLE_RETRY_MS],
    ["an ended job with a webhook retry in 5 h: the retry", job("COMPLETED", 100, { wakeAt: null }), { settled: true, webhookDueAt: T + 18_000_000 }, T + 18_000_000],
    ["an ended job owing both: the sooner", job("CANCELLED", 1, { wakeAt: null }), { settled: false, webhookDueAt: T + 5_000 }, T + 5_000],
  ] as const)("%s", (_name, rec, owed, expected) => {
    expect(nextAlarmAt(rec, owed, T)).toBe(expected);
  });
});

describe("Prefer: wait", () => {
  it.each([
    [undefined, null],
    ["", null],
    ["respond-async", null],
    ["wait=10", 10],
    ["wait=0", 0],
    ["WAIT = 5", 5],
    ['wait="7"', 7],
    ["respond-async, wait=30", 30],
    ["handling=lenient, wait=12;foo=bar", 12],
    ["wait=60", 60],
    ["wait=61", 60],
    ["wait=99999", 60],
    ["wait=-1", null],
    ["wait=1.5", null],
    ["wait=soon", null],
    ["waiting=5", null],
  ])("%s → %s", (header, expected) => {
    expect(preferredWait(header)).toBe(expected);
  });
});
