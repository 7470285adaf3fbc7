// Reads a stream into a caller's buffer: straight into it from a byte stream (BYOB: no chunk is allocated, the image
// path reads many MB this way), else by copying each chunk, keeping what does not fit for the next read.

export type Bytes = Uint8Array<ArrayBuffer>;

export class ByteReader {
  private readonly byob: ReadableStreamBYOBReader | null;
  private readonly chunks: ReadableStreamDefaultReader<Uint8Array> | null;
  private rest: Uint8Array = new Uint8Array(0);

  constructor(source: ReadableStream<Uint8Array>) {
    let byob: ReadableStreamBYOBReader | null = null;
    try {
      byob = source.getReader({ mode: "byob" });
    } catch {
      // Not a byte stream (a stream made in JavaScript, such as a body-limit wrapper): read its chunks.
    }
    this.byob = byob;
    this.chunks = byob ? null : source.getReader();
  }

  /** Reads some bytes into buffer[at…]; an empty view at the end of the stream. BYOB moves the buffer: use the view's. */
  async read(buffer: Bytes, at = 0): Promise<Bytes> {
    const room = buffer.length - at;
    if (this.byob) {
      const { value } = await this.byob.read(new Uint8Array(buffer.buffer, at, room));
      return value ?? buffer.subarray(at, at);
    }
    while (this.rest.length === 0) {
      const { done, value } = await this.chunks!.read();
      if (done) return buffer.subarray(at, at);
      this.rest = value;
    }
    const n = Math.min(room, this.rest.length);
    buffer.set(this.rest.subarray(0, n), at);
    this.rest = this.rest.subarray(n);
    return buffer.subarray(at, at + n);
  }

  async cancel(): Promise<void> {
    await (this.byob ?? this.chunks)!.cancel().catch(() => undefined);
  }
}
