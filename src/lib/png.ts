// A streaming PNG encoder (8-bit RGB or RGBA, no interlace) built on the runtime's CompressionStream.
// Rows are produced on demand, so memory stays flat whatever the image size.
import { crc32 } from "node:zlib";

export type RowPainter = (y: number, row: Uint8Array) => void;

const SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  const typeBytes = new TextEncoder().encode(type);
  view.setUint32(0, data.length);
  out.set(typeBytes, 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length))); // over type and data
  return out;
}

function header(width: number, height: number, alpha: boolean): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, alpha ? 6 : 2, 0, 0, 0], 8); // bit depth 8, colour type RGB(A), deflate, adaptive filter, no interlace
  return ihdr;
}

/** Streams a PNG whose pixels come from `paint`, one row (RGB, or RGBA with alpha) at a time. */
export function encodePng(
  width: number,
  height: number,
  options: { alpha?: boolean },
  paint: RowPainter,
): ReadableStream<Uint8Array> {
  let y = 0;
  const alpha = options.alpha ?? false;
  const rowBytes = width * (alpha ? 4 : 3);
  const scanlines = new ReadableStream<Uint8Array>({
    pull(controller) {
      // Several rows per pull keeps the deflate stream busy without holding the whole image.
      const rows = Math.max(1, Math.min(height - y, Math.floor(65536 / (rowBytes + 1))));
      const buf = new Uint8Array(rows * (rowBytes + 1));
      for (let r = 0; r < rows; r++, y++) {
        buf[r * (rowBytes + 1)] = 0; // filter type: none
        paint(y, buf.subarray(r * (rowBytes + 1) + 1, (r + 1) * (rowBytes + 1)));
      }
      controller.enqueue(buf);
      if (y >= height) controller.close();
    },
  });
  // Deflating starts at the first read of pixel data: a stream cancelled unread costs nothing.
  let deflated: ReadableStreamDefaultReader<Uint8Array> | null = null;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(SIGNATURE);
        controller.enqueue(chunk("IHDR", header(width, height, alpha)));
        return;
      }
      deflated ??= scanlines.pipeThrough(new CompressionStream("deflate")).getReader();
      const { done, value } = await deflated.read();
      if (done) {
        controller.enqueue(chunk("IEND", new Uint8Array(0)));
        controller.close();
        return;
      }
      if (value.length > 0) controller.enqueue(chunk("IDAT", value));
    },
    async cancel(reason) {
      await (deflated ?? scanlines).cancel(reason);
    },
  });
}
