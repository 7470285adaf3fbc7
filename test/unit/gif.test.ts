import { describe, expect, it } from "vitest";
import { encodeGif, type GifRowPainter } from "../../src/lib/gif";
import { decodeGif, gifPixel } from "../helpers/gif";

// The encoder's output, read back by an independent decoder (test/helpers/gif.ts): structure, delays and every pixel.

async function collect(stream: ReadableStream<Uint8Array>): Promise<{ bytes: Uint8Array; chunks: number[] }> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  chunks.reduce((o, c) => (bytes.set(c, o), o + c.length), 0);
  return { bytes, chunks: chunks.map((c) => c.length) };
}

const palette = (colours: number): Uint8Array => Uint8Array.from({ length: colours * 3 }, (_, i) => (i * 53 + 7) & 0xff);

/** A painter whose every pixel depends on frame, row and column (and a noise term, so LZW cannot make it tiny). */
const painter = (colours: number, noise: boolean): GifRowPainter => {
  let state = 12345;
  return (frame, y, row) => {
    for (let x = 0; x < row.length; x++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      row[x] = (noise && (x + y) % 3 === 0 ? state >>> 24 : (x >> 3) + (y >> 2) + frame * 5) % colours;
    }
  };
};

/** What the painter draws, frame by frame, for comparison. */
function expected(width: number, height: number, frames: number, paint: GifRowPainter): Uint8Array[] {
  return Array.from({ length: frames }, (_, f) => {
    const out = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) paint(f, y, out.subarray(y * width, (y + 1) * width));
    return out;
  });
}

describe("encodeGif", () => {
  it.each([
    { width: 7, height: 5, frames: 3, colours: 4, noise: true },
    { width: 1, height: 1, frames: 2, colours: 1, noise: false },
    { width: 64, height: 48, frames: 2, colours: 2, noise: true },
    { width: 300, height: 211, frames: 4, colours: 256, noise: true }, // many table clears at 12-bit codes
    { width: 1000, height: 700, frames: 2, colours: 200, noise: false }, // long runs: codes reach their full width
  ])("$width x $height, $frames frames of $colours colours: decodes to what was painted", async ({ width, height, frames, colours, noise }) => {
    const { bytes } = await collect(encodeGif(width, height, { frames, delayMs: 120, palette: palette(colours) }, painter(colours, noise)));
    const gif = decodeGif(bytes);
    expect(gif.version).toBe("GIF89a");
    expect([gif.width, gif.height]).toEqual([width, height]);
    expect(gif.loops).toBe(0);
    expect(gif.globalPalette!.subarray(0, colours * 3)).toEqual(palette(colours));
    expect(gif.frames).toHaveLength(frames);
    const want = expected(width, height, frames, painter(colours, noise));
    gif.frames.forEach((frame, f) => {
      expect({ left: frame.left, top: frame.top, width: frame.width, height: frame.height }).toEqual({ left: 0, top: 0, width, height });
      expect(frame.delayMs).toBe(120);
      expect(frame.transparentIndex).toBeNull();
      expect(frame.indices).toEqual(want[f]);
    });
  });

  it("rounds the delay to GIF's hundredths of a second and caps it at 655.35 s", async () => {
    const delays = await Promise.all(
      [20, 204, 205, 655_350, 10_000_000].map(async (delayMs) => {
        const { bytes } = await collect(encodeGif(2, 2, { frames: 2, delayMs, palette: palette(2) }, (_f, _y, row) => row.fill(0)));
        return decodeGif(bytes).frames.map((f) => f.delayMs);
      }),
    );
    expect(delays).toEqual([[20, 20], [200, 200], [210, 210], [655_350, 655_350], [655_350, 655_350]]);
  });

  it("marks the transparent index and clears each frame before the next", async () => {
    const { bytes } = await collect(
      encodeGif(4, 1, { frames: 2, delayMs: 100, palette: Uint8Array.of(0, 0, 0, 255, 0, 0), transparentIndex: 0 }, (f, _y, row) => {
        row.set(f === 0 ? [0, 1, 0, 1] : [1, 0, 1, 0]);
      }),
    );
    const [first, second] = decodeGif(bytes).frames;
    expect(first!.transparentIndex).toBe(0);
    expect(first!.disposal).toBe(2);
    expect([0, 1, 2, 3].map((x) => gifPixel(first!, x, 0))).toEqual([null, [255, 0, 0], null, [255, 0, 0]]);
    expect([0, 1, 2, 3].map((x) => gifPixel(second!, x, 0))).toEqual([[255, 0, 0], null, [255, 0, 0], null]);
  });

  it("paints on demand: rows are asked for as the stream is read, in order, never all at once", async () => {
    const asked: string[] = [];
    const stream = encodeGif(2000, 1000, { frames: 3, delayMs: 100, palette: palette(256) }, (frame, y, row) => {
      asked.push(`${frame}:${y}`);
      row.fill((frame + y) & 0xff);
    });
    const reader = stream.getReader();
    await reader.read(); // the header: no rows painted yet
    expect(asked).toHaveLength(0);
    await reader.read();
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.length).toBeLessThan(1000);
    await reader.cancel();

    const order: string[] = [];
    await collect(encodeGif(3, 2, { frames: 2, delayMs: 100, palette: palette(4) }, (f, y, row) => (order.push(`${f}:${y}`), row.fill(f + y))));
    expect(order).toEqual(["0:0", "0:1", "1:0", "1:1"]);
  });

  it("streams in bounded chunks however large the image", async () => {
    const { bytes, chunks } = await collect(encodeGif(1500, 1500, { frames: 2, delayMs: 100, palette: palette(256) }, painter(256, true)));
    expect(decodeGif(bytes).frames).toHaveLength(2);
    expect(chunks.length).toBeGreaterThan(10);
    expect(Math.max(...chunks)).toBeLessThan(1024 * 1024);
  });

  it("refuses what cannot be a GIF", () => {
    const paint: GifRowPainter = (_f, _y, row) => row.fill(0);
    expect(() => encodeGif(0, 10, { frames: 1, delayMs: 0, palette: palette(2) }, paint)).toThrow(RangeError);
    expect(() => encodeGif(70_000, 10, { frames: 1, delayMs: 0, palette: palette(2) }, paint)).toThrow(RangeError);
    expect(() => encodeGif(10, 10, { frames: 0, delayMs: 0, palette: palette(2) }, paint)).toThrow(RangeError);
    expect(() => encodeGif(10, 10, { frames: 1, delayMs: 0, palette: palette(257) }, paint)).toThrow(RangeError);
    expect(() => encodeGif(10, 10, { frames: 1, delayMs: 0, palette: new Uint8Array(4) }, paint)).toThrow(RangeError);
    expect(() => encodeGif(10, 10, { frames: 1, delayMs: 0, palette: palette(2), transparentIndex: 2 }, paint)).toThrow(RangeError);
  });
});
