import { runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { OutboxEntry } from "../../src/webhooks/outbox";
import type { ReceivedRequest } from "../sim/receiver";
import { api, fireAlarm, jobStubOf } from "./api";

// Webhooks and event streams in the workerd tests: the simulator's receiver (test/sim/receiver.ts), the job's outbox,
// and a reader for text/event-stream bodies.

export const hookUrl = (name: string): string => `https://hooks.test/${name}`;

const receiverControl = (name: string, init?: RequestInit) => fetch(`https://sim.test/_sim/receiver/${name}`, init);

/** Programs the answers of receiver `name` (200 once they run out). */
export async function programReceiver(name: string, program: { statuses?: number[]; delayMs?: number }): Promise<void> {
  const res = await receiverControl(name, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(program) });
  expect(res.status, await res.clone().text()).toBe(200);
}

export async function received(name: string): Promise<ReceivedRequest[]> {
  return ((await (await receiverControl(name)).json()) as { received: ReceivedRequest[] }).received;
}

export function outboxOf(jobId: string): Promise<OutboxEntry[]> {
  return runInDurableObject(jobStubOf(jobId), async (_i, state) => [...(await state.storage.list<OutboxEntry>({ prefix: "outbox:" })).values()]);
}

/** Makes every pending delivery due now (as if its retry time had passed) and fires the alarm; never sleeps. */
export async function deliverDue(jobId: string): Promise<void> {
  await runInDurableObject(jobStubOf(jobId), async (_instance, state) => {
    const entries = await state.storage.list<OutboxEntry>({ prefix: "outbox:" });
    for (const [key, entry] of entries) {
      if (entry.state === "pending" && entry.nextAt !== null && entry.nextAt > Date.now()) await state.storage.put(key, { ...entry, nextAt: Date.now() });
    }
    await state.storage.setAlarm(Date.now());
  });
  await fireAlarm(jobId);
}

export type SseEvent = { id: string | null; event: string | null; data: string | null; comment: boolean };

/** Splits a text/event-stream body into its blocks (events and comments). */
export function parseSse(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block !== "")
    .map((block) => {
      const field = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}: `))?.slice(name.length + 2) ?? null;
      return { id: field("id"), event: field("event"), data: field("data"), comment: block.startsWith(":") };
    });
}

/** Reads a stream to its end (the server closes it when the job ends); fails after `timeoutMs`. */
export async function readToEnd(res: Response, timeoutMs = 15_000): Promise<string> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    const next = await Promise.race([reader.read(), new Promise<"timeout">((r) => setTimeout(() => r("timeout"), Math.max(0, left)))]);
    if (next === "timeout") {
      await reader.cancel();
      throw new Error(`the event stream did not end within ${timeoutMs} ms; got: ${text}`);
    }
    if (next.done) return text;
    text += decoder.decode(next.value, { stream: true });
  }
}

export const openEvents = (jobId: string, init: { key?: string; lastEventId?: string } = {}) =>
  api(`/v2/jobs/${jobId}/events`, { key: init.key, headers: init.lastEventId === undefined ? {} : { "last-event-id": init.lastEventId } });
