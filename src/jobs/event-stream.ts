import { isFinal, type JobEventType, type LoggedEvent } from "./events";
import type { ViewedJob } from "./view";

// A job's event streams, served by its JobDO in no client's dialect: one JobEvent per logged event until the job's
// end, which closes the stream. Over RPC a stream carries bytes only, so each event goes as one line of JSON
// (NDJSON); decodeJobEvents turns the lines back into events. The surfaces frame them for their clients.

export interface JobEvent {
  /** The event's seq: 1, 2, 3, … in order. */
  id: number;
  type: JobEventType;
  /** The job as it stood at the event. */
  job: ViewedJob;
}

/** Renders a logged event for the stream (the job as it stood at the event). */
export type RenderEvent = (event: LoggedEvent) => Promise<JobEvent>;

const encoder = new TextEncoder();

/** One client's stream. Live events that arrive while the replay is read wait, so the client gets them in order. */
class Subscriber {
  readonly stream: ReadableStream<Uint8Array>;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private sentSeq = 0;
  private waiting: LoggedEvent[] | null = [];
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly render: RenderEvent,
    private readonly onClose: (sub: Subscriber) => void,
  ) {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.controller = controller;
      },
      cancel: () => this.close(),
    });
  }

  /** Sends the replay (the events after `after`), then whatever arrived meanwhile; closes at once if the job had ended. */
  begin({ after, events: replay, ended }: Replay): void {
    const waiting = this.waiting ?? [];
    this.waiting = null;
    this.sentSeq = after;
    for (const event of [...replay, ...waiting]) this.push(event);
    if (ended) this.writes = this.writes.then(() => this.close());
  }

  push(event: LoggedEvent): void {
    if (this.waiting) {
      this.waiting.push(event);
      return;
    }
    if (this.closed || event.seq <= this.sentSeq) return;
    this.sentSeq = event.seq;
    this.writes = this.writes.then(async () => {
      if (this.closed) return;
      try {
        this.write(`${JSON.stringify(await this.render(event))}\n`);
      } catch (err) {
        console.error(JSON.stringify({ msg: "event stream broke", seq: event.seq, error: String(err) }));
        this.controller?.error(err);
        this.close();
        return;
      }
      if (isFinal(event)) this.close();
    });
  }

  private write(text: string): void {
    if (this.closed) return;
    try {
      this.controller?.enqueue(encoder.encode(text));
    } catch {
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.controller?.close();
    } catch {
      // Already closed or errored by the reader.
    }
    this.onClose(this);
  }
}

export interface Replay {
  /** The seq the stream resumes after. */
  after: number;
  /** The events after it, oldest first. */
  events: LoggedEvent[];
  ended: boolean;
}

/** The open streams of one job. */
export class EventStreams {
  private readonly subscribers = new Set<Subscriber>();

  /** A new stream; it listens from before `replay` reads the log, so no event falls between the two. */
  open(render: RenderEvent, replay: () => Promise<Replay>): ReadableStream<Uint8Array> {
    const sub = new Subscriber(render, (s) => this.subscribers.delete(s));
    this.subscribers.add(sub);
    replay().then(
      (from) => sub.begin(from),
      (err) => {
        console.error(JSON.stringify({ msg: "event replay failed", error: String(err) }));
        sub.close();
      },
    );
    return sub.stream;
  }

  publish(event: LoggedEvent): void {
    for (const sub of this.subscribers) sub.push(event);
  }
}

/** Reads a JobDO's event stream back into its events. */
export function decodeJobEvents(): TransformStream<Uint8Array, JobEvent> {
  const decoder = new TextDecoder();
  let rest = "";
  return new TransformStream<Uint8Array, JobEvent>({
    transform(chunk, controller) {
      const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
      rest = lines.pop()!;
      for (const line of lines) controller.enqueue(JSON.parse(line) as JobEvent);
    },
    flush() {
      if (rest + decoder.decode() !== "") throw new Error("the job's event stream broke off inside an event");
    },
  });
}
