// A streaming animated GIF89a encoder: one global colour table, looping forever, LZW-compressed frames. Rows are
// painted on demand and compressed as they come, so memory stays at a few rows (and the 4 MiB LZW table) whatever the
// image size.

export interface GifOptions {
  frames: number;
  /** Delay of every frame; GIF counts it in hundredths of a second, so it is rounded to 10 ms. */
  delayMs: number;
  /** RGB triples, up to 256 colours. */
  palette: Uint8Array;
  /** The palette index drawn as transparent, if any. */
  transparentIndex?: number;
}

/** Fills `row` (palette indices, one per pixel, each below the palette's size) with row `y` of frame `frame`. */
export type GifRowPainter = (frame: number, y: number, row: Uint8Array) => void;

const MAX_CODES = 4096;
/** Pixels compressed per pull: enough to keep chunks large, few enough to keep memory flat. */
const PIXELS_PER_PULL = 256 * 1024;

/** Appends bytes and cuts them into the length-prefixed sub-blocks (≤ 255 bytes) that carry a GIF's image data. */
class SubBlocks {
  private buf = new Uint8Array(4096);
  private length = 0;

  push(byte: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = byte;
  }

  /** The full sub-blocks so far (and, with `end`, the rest and the block terminator); what is taken is dropped. */
  take(end: boolean): Uint8Array {
    const whole = end ? this.length : this.length - (this.length % 255);
    const blocks = Math.ceil(whole / 255);
    const out = new Uint8Array(whole + blocks + (end ? 1 : 0));
    for (let b = 0, o = 0; b < blocks; b++) {
      const data = this.buf.subarray(b * 255, Math.min(whole, (b + 1) * 255));
      out[o++] = data.length;
      out.set(data, o);
      o += data.length;
    }
    this.buf.copyWithin(0, whole, this.length);
    this.length -= whole;
    return out;
  }
}

/**
 * GIF's LZW: codes start one bit wider than the pixels, widen as the table grows, and a clear code restarts the table
 * when it reaches 4096 entries. The table maps (prefix code, next index) to a code; entries carry the generation they
 * were made in, so a clear is a counter bump instead of a wipe of the whole table.
 */
class LzwEncoder {
  // Plain fields, no parameter properties: the simulator loads this file in Node's strip-only TypeScript mode.
  private readonly minCodeSize: number;
  private readonly out: SubBlocks;
  private readonly clear: number;
  private readonly table = new Int32Array(MAX_CODES * 256);
  private generation = 0;
  private next = 0;
  private codeSize = 0;
  private prefix = -1;
  private bits = 0;
  private bitCount = 0;

  constructor(minCodeSize: number, out: SubBlocks) {
    this.minCodeSize = minCodeSize;
    this.out = out;
    this.clear = 1 << minCodeSize;
  }

  /** Starts a frame's image data: a fresh table, announced by a clear code. */
  start(): void {
    this.reset();
    this.prefix = -1;
    this.emit(this.clear);
  }

  private reset(): void {
    this.next = this.clear + 2;
    this.codeSize = this.minCodeSize + 1;
    this.generation++;
  }

  private emit(code: number): void {
    this.bits |= code << this.bitCount;
    this.bitCount += this.codeSize;
    while (this.bitCount >= 8) {
      this.out.push(this.bits & 0xff);
      this.bits >>>= 8;
      this.bitCount -= 8;
    }
  }

  write(indices: Uint8Array): void {
    const { table } = this;
    let prefix = this.prefix;
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i]!;
      if (prefix < 0) {
        prefix = k;
        continue;
      }
      const key = (prefix << 8) | k;
      const entry = table[key]!;
      if (entry >>> 12 === this.generation) {
        prefix = entry & 0xfff;
        continue;
      }
      this.emit(prefix);
      if (this.next === MAX_CODES) {
        this.emit(this.clear);
        this.reset();
      } else {
        // The decoder widens its codes when its table reaches this size, one code behind us: widen in step.
        if (this.next === 1 << this.codeSize) this.codeSize++;
        table[key] = (this.generation << 12) | this.next++;
      }
      prefix = k;
    }
    this.prefix = prefix;
  }

  finish(): void {
    if (this.prefix >= 0) this.emit(this.prefix);
    this.emit(this.clear + 1); // end of information
    if (this.bitCount > 0) this.out.push(this.bits & 0xff);
    this.bits = 0;
    this.bitCount = 0;
  }
}

const u16 = (n: number): number[] => [n & 0xff, (n >> 8) & 0xff];
const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** Bits per palette index: the table holds 2^bits colours (at least 2). */
const tableBits = (colours: number): number => Math.max(1, Math.ceil(Math.log2(Math.max(2, colours))));

function fileHeader(width: number, height: number, options: GifOptions): Uint8Array {
  const colours = options.palette.length / 3;
  if (!Number.isInteger(colours) || colours < 1 || colours > 256) throw new RangeError("palette must hold 1 to 256 RGB colours");
  const bits = tableBits(colours);
  const table = new Uint8Array(3 << bits);
  table.set(options.palette);
  return Uint8Array.from([
    ...ascii("GIF89a"),
    ...u16(width),
    ...u16(height),
    0x80 | (7 << 4) | (bits - 1), // global colour table, 8 bits per primary, its size
    0, // background colour index
    0, // pixel aspect ratio: square
    ...table,
    // NETSCAPE2.0 application extension: loop forever.
    0x21, 0xff, 11, ...ascii("NETSCAPE2.0"), 3, 1, ...u16(0), 0,
  ]);
}

function frameHeader(width: number, height: number, options: GifOptions): Uint8Array {
  const transparent = options.transparentIndex !== undefined;
  // A transparent frame clears to the background before the next, or the last frame would show through its holes.
  const disposal = transparent ? 2 : 1;
  const delay = Math.min(0xffff, Math.max(0, Math.round(options.delayMs / 10)));
  return Uint8Array.from([
    0x21, 0xf9, 4, (disposal << 2) | (transparent ? 1 : 0), ...u16(delay), options.transparentIndex ?? 0, 0,
    0x2c, ...u16(0), ...u16(0), ...u16(width), ...u16(height), 0, // image descriptor: the whole screen, no local table
    Math.max(2, tableBits(options.palette.length / 3)), // LZW minimum code size
  ]);
}

/** Streams an animated GIF whose frames come from `paint`, one row of palette indices at a time. */
export function encodeGif(width: number, height: number, options: GifOptions, paint: GifRowPainter): ReadableStream<Uint8Array> {
  if (width < 1 || height < 1 || width > 0xffff || height > 0xffff) throw new RangeError("GIF sides are 1 to 65535 pixels");
  if (options.frames < 1) throw new RangeError("a GIF needs at least one frame");
  const t = options.transparentIndex;
  if (t !== undefined && !(Number.isInteger(t) && t >= 0 && t < options.palette.length / 3)) throw new RangeError("transparentIndex is not in the palette");
  const minCodeSize = Math.max(2, tableBits(options.palette.length / 3));
  const header = fileHeader(width, height, options);
  const row = new Uint8Array(width);
  const rowsPerPull = Math.max(1, Math.floor(PIXELS_PER_PULL / width));
  const blocks = new SubBlocks();
  let frame = 0;
  let y = 0;
  // Allocated at the first read, so a stream cancelled unread costs nothing.
  let lzw: LzwEncoder;
  let started = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!started) {
        started = true;
        lzw = new LzwEncoder(minCodeSize, blocks);
        controller.enqueue(header);
        return;
      }
      if (frame === options.frames) {
        controller.enqueue(Uint8Array.of(0x3b)); // trailer
        controller.close();
        return;
      }
      const parts: Uint8Array[] = [];
      if (y === 0) {
        parts.push(frameHeader(width, height, options));
        lzw.start();
      }
      for (const end = Math.min(height, y + rowsPerPull); y < end; y++) {
        paint(frame, y, row);
        lzw.write(row);
      }
      const frameDone = y === height;
      if (frameDone) {
        lzw.finish();
        y = 0;
        frame++;
      }
      parts.push(blocks.take(frameDone));
      for (const part of parts) if (part.length > 0) controller.enqueue(part);
    },
  });
}
