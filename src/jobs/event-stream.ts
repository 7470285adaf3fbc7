import { isFinal, type LoggedEvent } from "./event-log";

// Server-sent event streams of a job, served by its JobDO (SPEC §2.1): `id: <seq>`, `event: <type>`, `data: <job view>`
// for each event until the job's end, which closes the stream. A comment every HEARTBEAT.intervalMs keeps idle
// connections open through proxies.

/** Timing; the tests shorten it. */
export const HEARTBEAT = { intervalMs: 15_000 };

/** Renders an event's data (the job view as it stood at the event). */
export type RenderEvent = (event: LoggedEvent) => Promise<unknown>;

const encoder = new TextEncoder();

export const sseFrame = (event: LoggedEvent, data: unknown): string =>
  `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;

/** One client's stream. Live events that arrive while the replay is read wait, so the client gets them in order. */
class Subscriber {
  readonly stream: ReadableStream<Uint8Array>;
  private controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  private sentSeq = 0;
  private waiting: LoggedEvent[] | null = [];
  private writes: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly heartbeat: ReturnType<typeof setInterval>;

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
    this.heartbeat = setInterval(() => this.write(": keep-alive\n\n"), HEARTBEAT.intervalMs);
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
        this.write(sseFrame(event, await this.render(event)));
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
    clearInterval(this.heartbeat);
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
