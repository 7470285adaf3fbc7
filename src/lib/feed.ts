// A stream one side writes while another reads it concurrently: each write waits for the reader (backpressure) and
// fails with whatever the reader threw. A reader that finished early (it wanted no more) makes later writes no-ops.

export class Feed<T> {
  private readonly writer: WritableStreamDefaultWriter<T>;
  private readonly consumed: Promise<void>;
  private failure: unknown = null;
  private finished = false;

  constructor(consume: (readable: ReadableStream<T>) => Promise<void>) {
    const { readable, writable } = new TransformStream<T, T>();
    this.writer = writable.getWriter();
    this.consumed = consume(readable).then(
      () => {
        this.finished = true;
      },
      (err: unknown) => {
        this.failure = err;
        throw err;
      },
    );
    this.consumed.catch(() => undefined);
  }

  async write(chunk: T): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.finished) return;
    const written = this.writer.write(chunk);
    written.catch(() => undefined);
    try {
      await Promise.race([written, this.consumed]);
    } catch (err) {
      // The reader cancelled its stream: wait to learn whether it finished content or failed.
      await this.consumed.catch(() => undefined);
      if (!this.finished) throw this.failure ?? err;
    }
    if (this.failure) throw this.failure;
  }

  /** Ends the stream and waits for the reader to finish with it (a reader done early leaves the rest unread). */
  async close(): Promise<void> {
    let closed = false;
    const closing = this.writer.close().then(
      () => void (closed = true),
      () => undefined,
    );
    await Promise.race([closing, this.consumed]);
    await this.consumed;
    if (!closed) this.release();
  }

  async abort(reason: unknown): Promise<void> {
    this.release(reason);
    await this.consumed.catch(() => undefined);
  }

  /** Not awaited: an abort waits for a write in flight, which a reader that stopped reading never takes. */
  private release(reason?: unknown): void {
    this.writer.abort(reason).catch(() => undefined);
  }
}
