// A stream's chunks, read so that there are few of them: a fetch or R2 body's default reader hands over 4 KB at a time,
// and a reader that does work per chunk (the base64 scan, SSE, multipart forms, capped bodies, base64 answers) then
// spends more CPU on the chunks than on the bytes (measured in workerd, issue 15: reading a 21 MB answer took 4.4 ms/MB
// in 4 KB chunks, 0.6 in reads of up to 256 KB; `npm run bench:streams` measures each reader).
// A caller that hands a chunk on (enqueues it, or keeps a view of it) copies it first: the next read reuses the buffer.
// From a byte stream each read fills what it can of one buffer, reused from read to read, and waits for no more than
// has arrived; any other stream's chunks come as they are.

const READ_BYTES = 256 * 1024;

export class ChunkReader {
  private readonly byob: ReadableStreamBYOBReader | null = null;
  private readonly chunks: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private buffer: ArrayBuffer | null = null;

  constructor(source: ReadableStream<Uint8Array>) {
    try {
      this.byob = source.getReader({ mode: "byob" });
    } catch {
      // Not a byte stream (one made in JavaScript): its chunks as they are.
      this.chunks = source.getReader();
    }
  }

  /** The next chunk, or done. A byte stream's chunk is a view of the shared buffer: done with when the next is read. */
  async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (!this.byob) return this.chunks!.read();
    const { value } = await this.byob.read(new Uint8Array(this.buffer ?? new ArrayBuffer(READ_BYTES)));
    this.buffer = value?.buffer ?? null;
    return value && value.length > 0 ? { done: false, value } : { done: true, value: undefined };
  }

  cancel(reason?: unknown): Promise<void> {
    return (this.byob ?? this.chunks)!.cancel(reason);
  }

  releaseLock(): void {
    (this.byob ?? this.chunks)!.releaseLock();
  }
}
