import { randomBase62 } from "../lib/ids";
import { ChunkReader } from "../lib/streams/chunk-reader";

// A multipart/form-data body streamed part by part, with its exact length known in advance (S3 presigned POSTs need a
// Content-Length; OpenAI edits take up to 16 images): no file is ever held in memory whole.

export interface FilePart {
  name: string;
  filename: string;
  contentType: string;
  size: number;
  open(): Promise<ReadableStream<Uint8Array>>;
}

export interface Multipart {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  length: number;
}

const encoder = new TextEncoder();
const quoted = (s: string): string => s.replace(/["\r\n\\]/g, "_");

export function multipart(fields: [string, string][], files: FilePart[]): Multipart {
  const boundary = `----imagegate${randomBase62(24)}`;
  const fieldBytes = fields.map(([name, value]) =>
    encoder.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`),
  );
  const fileHeads = files.map((f) =>
    encoder.encode(
      `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(f.name)}"; filename="${quoted(f.filename)}"\r\nContent-Type: ${f.contentType}\r\n\r\n`,
    ),
  );
  const crlf = encoder.encode("\r\n");
  const end = encoder.encode(`--${boundary}--\r\n`);
  const length =
    fieldBytes.reduce((n, b) => n + b.length, 0) + fileHeads.reduce((n, b, i) => n + b.length + files[i]!.size + crlf.length, 0) + end.length;

  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield* fieldBytes;
    for (const [i, file] of files.entries()) {
      yield fileHeads[i]!;
      // In large reads (chunk-reader.ts), each its own chunk: nothing here says the body's consumer has let go of one by
      // the next read.
      const reader = new ChunkReader(await file.open(), { ownChunks: true });
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        yield value;
      }
      yield crlf;
    }
    yield end;
  }

  const source = chunks();
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await source.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await source.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
  const fixed = new FixedLengthStream(length);
  stream.pipeTo(fixed.writable).catch(() => undefined);
  return { body: fixed.readable, contentType: `multipart/form-data; boundary=${boundary}`, length };
}
