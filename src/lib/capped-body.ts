// A body capped at a byte count while it streams: nothing beyond the cap is ever read ahead. The source is read in
// large reads (chunk-reader.ts: a fetch or request body's own 4 KB chunks cost more CPU than their bytes), each its own
// chunk, since it is handed on.
import { asFetchFailed, timedOut, tooLarge } from "./fetch-errors";
import { ChunkReader } from "./streams/chunk-reader";

/**
 * A stream yielding `source`'s bytes that errors with FetchFailed("too_large") once more than `maxBytes` have
 * passed. It reads only when its consumer pulls, so no more than one read (up to 256 KB) past the cap is ever made.
 */
export function limitBytes(
  source: ReadableStream<Uint8Array>,
  maxBytes: number,
  signal?: AbortSignal,
  host = "the server",
): ReadableStream<Uint8Array> {
  const reader = new ChunkReader(source, { ownChunks: true });
  let total = 0;
  const aborted = new Promise<never>((_, reject) => {
    if (signal?.aborted) reject(timedOut(host));
    signal?.addEventListener("abort", () => reject(timedOut(host)), { once: true });
  });
  aborted.catch(() => undefined);

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await Promise.race([reader.read(), aborted]);
          if (done) {
            controller.close();
            return;
          }
          total += value.byteLength;
          if (total > maxBytes) throw tooLarge(maxBytes);
          controller.enqueue(value);
        } catch (err) {
          const failure = asFetchFailed(err, signal, host);
          controller.error(failure);
          await reader.cancel(failure).catch(() => undefined);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Reads a whole body into memory, failing with FetchFailed("too_large") beyond `maxBytes`. */
export async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = limitBytes(body, maxBytes).getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
