import type { Env } from "../../env";
import { now } from "../../lib/clock";
import { decodeJobEvents, type JobEvent } from "../../jobs/event-stream";
import { jobView } from "../../jobs/view";

// A job's events in the native dialect (SPEC §2.1): each event its JobDO streams becomes `id: <seq>`,
// `event: <type>`, `data: <job view>`, with file URLs minted against the request's origin; the stream closes when the
// JobDO's does (at the job's end). A comment every HEARTBEAT.intervalMs keeps idle connections open through proxies.

/** Timing; the tests shorten it. */
export const HEARTBEAT = { intervalMs: 15_000 };

const encoder = new TextEncoder();

export const sseFrame = (event: Pick<JobEvent, "id" | "type">, data: unknown): string =>
  `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;

/** The JobDO's event stream `events` as `text/event-stream`. */
export function sseEvents(env: Env, events: ReadableStream<Uint8Array>, origin: string): ReadableStream<Uint8Array> {
  const source = events.pipeThrough(decodeJobEvents()).getReader();
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  const stop = (): void => {
    closed = true;
    clearInterval(heartbeat);
  };
  return new ReadableStream<Uint8Array>({
    start(controller) {
      heartbeat = setInterval(() => {
        if (!closed) controller.enqueue(encoder.encode(": keep-alive\n\n"));
      }, HEARTBEAT.intervalMs);
    },
    async pull(controller) {
      try {
        const next = await source.read();
        const frame = next.done ? null : sseFrame(next.value, await jobView(env, next.value.job, origin, now()));
        if (closed) return;
        if (frame === null) {
          stop();
          controller.close();
        } else controller.enqueue(encoder.encode(frame));
      } catch (err) {
        console.error(JSON.stringify({ msg: "event stream broke", error: String(err) }));
        stop();
        throw err;
      }
    },
    cancel() {
      stop();
      return source.cancel();
    },
  });
}
