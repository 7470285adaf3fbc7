// A stream's chunks, read so that there are few of them: a fetch or R2 body's default reader hands over 4 KB at a time,
// and a reader that does work per chunk (the base64 scan, SSE, multipart forms, capped bodies, base64 answers) then
// spends more CPU on the chunks than on the bytes (measured in workerd, issue 15: reading a 21 MB answer took 4.4 ms/MB
// in 4 KB chunks, 0.6 in reads of up to 256 KB; `npm run bench:streams` measures each reader).
// From a byte stream each read fills what it can of one buffer, reused from read to read, and waits for no more than
// has arrived; any other stream's chunks come as they are. A caller that hands chunks on (enqueues them, or keeps views
// of them past its next read) asks for its own: each read is then copied out of the buffer, at its own length.

const READ_BYTES = 256 * 1024;

export class ChunkReader {
  private readonly byob: ReadableStreamBYOBReader | null = null;
  private readonly chunks: ReadableStreamDefaultReader<Uint8Array> | null = null;
  private buffer: ArrayBuffer | null = null;

  constructor(
    source: ReadableStream<Uint8Array>,
    private readonly options: { ownChunks?: boolean } = {},
  ) {
    try {
      this.byob = source.getReader({ mode: "byob" });
    } catch {
      // Not a byte stream (one made in JavaScript): its chunks as they are.
      this.chunks = source.getReader();
    }
  }

  /**
   * The next chunk, or done. Unless `ownChunks`, a byte stream's chunk is a view of the shared buffer: done with when
   * the next is read.
   */
  async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (!this.byob) return this.chunks!.read();
    const { value } = await this.byob.read(new Uint8Array(this.buffer ?? new ArrayBuffer(READ_BYTES)));
    this.buffer = value?.buffer ?? null;
    if (!value || value.length === 0) return { done: true, value: undefined };
    return { done: false, value: this.options.ownChunks ? value.slice() : value };
  }

  cancel(reason?: unknown): Promise<void> {
    return (this.byob ?? this.chunks)!.cancel(reason);
  }

  releaseLock(): void {
    (this.byob ?? this.chunks)!.releaseLock();
  }
}
