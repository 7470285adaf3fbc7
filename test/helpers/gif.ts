// A small GIF decoder for tests, written from the GIF89a specification independently of src/lib/gif.ts (and checked
// against omggif and gifuct-js when it was written): global and local colour tables, graphic control and NETSCAPE2.0
// extensions, LZW image data. It throws on anything malformed, so a test that decodes a file also validates it.

export interface GifFrame {
  left: number;
  top: number;
  width: number;
  height: number;
  delayMs: number;
  disposal: number;
  transparentIndex: number | null;
  /** Palette indices, row by row (interlaced frames are not supported). */
  indices: Uint8Array;
  palette: Uint8Array;
}

export interface DecodedGif {
  version: "GIF87a" | "GIF89a";
  width: number;
  height: number;
  globalPalette: Uint8Array | null;
  /** NETSCAPE2.0 loop count (0: forever); null without the extension. */
  loops: number | null;
  frames: GifFrame[];
}

function lzwDecode(data: Uint8Array, minCodeSize: number, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels);
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  for (let i = 0; i < clear; i++) {
    prefix[i] = -1;
    suffix[i] = i;
    first[i] = i;
  }
  const stack = new Uint8Array(4097);
  let size = minCodeSize + 1;
  let next = clear + 2;
  let previous = -1;
  let bits = 0;
  let count = 0;
  let at = 0;
  let written = 0;
  for (;;) {
    while (count < size) {
      if (at >= data.length) throw new Error("GIF image data ends without an end code");
      bits |= data[at++]! << count;
      count += 8;
    }
    const code = bits & ((1 << size) - 1);
    bits >>>= size;
    count -= size;
    if (code === clear) {
      size = minCodeSize + 1;
      next = clear + 2;
      previous = -1;
      continue;
    }
    if (code === end) break;
    if (previous < 0) {
      if (code >= clear) throw new Error("GIF image data starts with a code not in the table");
      if (written >= pixels) throw new Error("GIF image data has more pixels than its frame");
      out[written++] = code;
      previous = code;
      continue;
    }
    if (code > next) throw new Error(`GIF LZW code ${code} is beyond the table (${next})`);
    // A code not yet in the table (code === next) is the previous string plus its own first index.
    const known = code < next;
    let c = known ? code : previous;
    let depth = 0;
    if (!known) stack[depth++] = first[previous]!;
    while (c >= 0) {
      stack[depth++] = suffix[c]!;
      c = prefix[c]!;
    }
    if (written + depth > pixels) throw new Error("GIF image data has more pixels than its frame");
    while (depth > 0) out[written++] = stack[--depth]!;
    if (next < 4096) {
      prefix[next] = previous;
      suffix[next] = known ? first[code]! : first[previous]!;
      first[next] = first[previous]!;
      next++;
      if (next === 1 << size && size < 12) size++;
    }
    previous = code;
  }
  if (written !== pixels) throw new Error(`GIF frame has ${written} pixels, not ${pixels}`);
  return out;
}

export function decodeGif(bytes: Uint8Array): DecodedGif {
  let at = 0;
  const need = (n: number): void => {
    if (at + n > bytes.length) throw new Error(`GIF truncated at byte ${at}`);
  };
  const u8 = (): number => {
    need(1);
    return bytes[at++]!;
  };
  const u16 = (): number => u8() | (u8() << 8);
  const take = (n: number): Uint8Array => {
    need(n);
    return bytes.subarray(at, (at += n));
  };
  const subBlocks = (): Uint8Array => {
    const parts: Uint8Array[] = [];
    for (let n = u8(); n > 0; n = u8()) parts.push(take(n));
    const data = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    parts.reduce((o, p) => (data.set(p, o), o + p.length), 0);
    return data;
  };

  const version = String.fromCharCode(...take(6));
  if (version !== "GIF87a" && version !== "GIF89a") throw new Error(`not a GIF: ${JSON.stringify(version)}`);
  const width = u16();
  const height = u16();
  const packed = u8();
  u8(); // background colour index
  u8(); // pixel aspect ratio
  const globalPalette = packed & 0x80 ? take(3 << ((packed & 7) + 1)) : null;
  const gif: DecodedGif = { version, width, height, globalPalette, loops: null, frames: [] };
  let control = { delayMs: 0, disposal: 0, transparentIndex: null as number | null };
  for (;;) {
    const introducer = u8();
    if (introducer === 0x3b) return gif;
    if (introducer === 0x21) {
      const label = u8();
      if (label === 0xf9) {
        const block = subBlocks();
        if (block.length !== 4) throw new Error("graphic control extension is not 4 bytes");
        control = { delayMs: (block[1]! | (block[2]! << 8)) * 10, disposal: (block[0]! >> 2) & 7, transparentIndex: block[0]! & 1 ? block[3]! : null };
      } else if (label === 0xff) {
        const block = subBlocks();
        const name = String.fromCharCode(...block.subarray(0, 11));
        if (name === "NETSCAPE2.0" && block[11] === 1) gif.loops = block[12]! | (block[13]! << 8);
      } else {
        subBlocks();
      }
      continue;
    }
    if (introducer !== 0x2c) throw new Error(`unexpected GIF block 0x${introducer.toString(16)} at byte ${at - 1}`);
    const left = u16();
    const top = u16();
    const w = u16();
    const h = u16();
    const flags = u8();
    if (flags & 0x40) throw new Error("interlaced GIF frames are not supported here");
    const palette = flags & 0x80 ? take(3 << ((flags & 7) + 1)) : globalPalette;
    if (!palette) throw new Error("GIF frame has no colour table");
    const minCodeSize = u8();
    if (minCodeSize < 2 || minCodeSize > 8) throw new Error(`GIF LZW minimum code size ${minCodeSize}`);
    const indices = lzwDecode(subBlocks(), minCodeSize, w * h);
    gif.frames.push({ left, top, width: w, height: h, ...control, indices, palette });
    control = { delayMs: 0, disposal: 0, transparentIndex: null };
  }
}

/** The RGB of the pixel at (x, y) of a frame, or null where it is transparent. */
export function gifPixel(frame: GifFrame, x: number, y: number): [number, number, number] | null {
  const index = frame.indices[y * frame.width + x]!;
  if (index === frame.transparentIndex) return null;
  return [frame.palette[index * 3]!, frame.palette[index * 3 + 1]!, frame.palette[index * 3 + 2]!];
}
