import { Feed } from "../../lib/feed";
import { ChunkReader } from "../../lib/streams/chunk-reader";
import { MalformedAnswer } from "../../lib/streams/malformed";

// Reads an OpenAI images answer as a byte stream. Every `"b64_json": "<base64>"` value is decoded on the fly and handed
// over as a byte stream (with backpressure: the scan waits while the consumer writes to R2); everything else is kept
// as a small JSON "skeleton" (each b64_json value replaced by "") and parsed at the end. Neither a whole base64 string
// nor a whole image is ever held: memory stays at about one read (up to 256 KB, chunk-reader.ts).
// It scans bytes, never text: JSON's structure is ASCII (a UTF-8 multi-byte character never holds a quote or a
// backslash). Each chunk's base64 is decoded by the runtime (its bytes to a string, then Uint8Array.fromBase64):
// measured in workerd on 16 MB, about twice as fast as decoding it with a table in JavaScript.
// The body is read in few, large chunks (chunk-reader.ts): per chunk the scan, the decode and the stream to the sink
// cost more than the bytes (measured in workerd on 16 MB: 4.4x the CPU of decoding the answer whole in 4 KB chunks,
// 1.0x in chunks of up to 256 KB).

const MAX_SKELETON_BYTES = 256 * 1024;
const MAX_KEY_CHARS = 64;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const PAD = 0x3d;
const SLASH = 0x2f;
const B64_KEY = "b64_json";

/**
 * Base64 is ASCII: its bytes become a string as they are, for the runtime's own decoder. UTF-8 is the runtime's fast
 * path (latin1, which is windows-1252, decodes at half its speed in workerd); any other byte becomes U+FFFD, which is
 * not base64, and a byte order mark is kept (ignoreBOM) to be refused the same way.
 */
const ascii = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });

export type ImageSink = (index: number, bytes: ReadableStream<Uint8Array>) => Promise<void>;

const notBase64 = (): MalformedAnswer => new MalformedAnswer("a b64_json value is not base64");

/**
 * Decodes base64 `src`: a whole number of quads, `=` padding only in the `last`. A piece that is not whole quads (the
 * runtime skips whitespace, so one could hide in the count) is refused, never decoded out of step with the rest.
 */
function decodeQuads(src: Uint8Array, last: boolean): Uint8Array {
  try {
    return Uint8Array.fromBase64(ascii.decode(src), { lastChunkHandling: last ? "loose" : "strict" });
  } catch {
    throw notBase64();
  }
}

/** One image's base64 bytes → its bytes, fed to a stream its consumer reads concurrently. */
class ImageDecoder {
  /** Base64 bytes not yet decoded: less than a quad, or a last quad that holds padding. */
  private pending: Uint8Array = new Uint8Array(0);
  private readonly bytes: Feed<Uint8Array>;

  constructor(index: number, sink: ImageSink) {
    this.bytes = new Feed((readable) => sink(index, readable));
  }

  async feed(chars: Uint8Array): Promise<void> {
    let src = chars;
    if (this.pending.length > 0) {
      src = new Uint8Array(this.pending.length + chars.length);
      src.set(this.pending);
      src.set(chars, this.pending.length);
    }
    let whole = src.length - (src.length % 4);
    // A quad ending in padding can only be the last: keep it until the value's closing quote says so.
    if (whole > 0 && src[whole - 1] === PAD) whole -= 4;
    this.pending = src.slice(whole);
    if (whole > 0) await this.bytes.write(decodeQuads(src.subarray(0, whole), false));
  }

  async end(): Promise<void> {
    const rest = this.pending.length % 4;
    if (rest === 1) throw new MalformedAnswer("a b64_json value has a truncated base64 tail");
    let tail = this.pending;
    if (rest > 0) {
      tail = new Uint8Array(this.pending.length + 4 - rest).fill(PAD);
      tail.set(this.pending);
    }
    this.pending = new Uint8Array(0);
    if (tail.length > 0) await this.bytes.write(decodeQuads(tail, true));
    await this.bytes.close();
  }

  abort(reason: unknown): Promise<void> {
    return this.bytes.abort(reason);
  }
}

/** The skeleton's bytes, bounded: an answer is images and a little metadata. */
class Skeleton {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  add(bytes: Uint8Array): void {
    this.size += bytes.length;
    if (this.size > MAX_SKELETON_BYTES) throw new MalformedAnswer("the answer holds more than images and a little metadata");
    this.parts.push(bytes.slice());
  }

  parse(): unknown {
    const all = new Uint8Array(this.size);
    let at = 0;
    for (const part of this.parts) {
      all.set(part, at);
      at += part.length;
    }
    try {
      return JSON.parse(new TextDecoder().decode(all));
    } catch {
      throw new MalformedAnswer("the answer is not JSON");
    }
  }
}

/** Base64 bytes of a value written with escapes (`\/`, or `\n` line breaks some encoders add): the escapes removed. */
function unescaped(slice: Uint8Array, state: { escape: boolean }): Uint8Array {
  const out = new Uint8Array(slice.length);
  let n = 0;
  for (const byte of slice) {
    if (state.escape) {
      state.escape = false;
      if (byte === SLASH) out[n++] = SLASH;
      else if (byte !== 0x6e && byte !== 0x72) throw new MalformedAnswer("a b64_json value holds an unexpected escape");
    } else if (byte === BACKSLASH) state.escape = true;
    else out[n++] = byte;
  }
  return out.subarray(0, n);
}

/**
 * Scans `body` (JSON bytes), hands each b64_json value's bytes to `sink` in order, and returns the parsed skeleton.
 * Throws MalformedAnswer when the JSON is broken or truncated, or whatever the sink threw.
 */
export async function scanImagesAnswer(body: ReadableStream<Uint8Array>, sink: ImageSink): Promise<unknown> {
  const reader = new ChunkReader(body);
  const skeleton = new Skeleton();
  let inString = false;
  let escaped = false;
  let token = "";
  let tokenTooLong = false;
  let afterString = false;
  let key: string | null = null;
  let image: ImageDecoder | null = null;
  const b64 = { escape: false };
  let images = 0;

  /** Feeds the base64 bytes of chunk[from..] up to the closing quote; returns where the scan goes on, or -1. */
  async function feedImage(chunk: Uint8Array, from: number): Promise<number> {
    const close = chunk.indexOf(QUOTE, from);
    const slice = chunk.subarray(from, close === -1 ? chunk.length : close);
    await image!.feed(b64.escape || slice.includes(BACKSLASH) ? unescaped(slice, b64) : slice);
    if (close === -1) return -1;
    if (b64.escape) throw new MalformedAnswer("a b64_json value ends in an escape");
    await image!.end();
    image = null;
    return close;
  }

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let i = 0;
      // Where the current run of skeleton bytes began: runs are copied whole, not byte by byte.
      let run = 0;
      while (i < value.length) {
        if (image) {
          const close = await feedImage(value, i);
          if (close === -1) {
            run = i = value.length;
            break;
          }
          // The closing quote stays in the skeleton (`"b64_json":""`), and the scan goes on after it.
          run = close;
          i = close + 1;
          continue;
        }
        const byte = value[i++]!;
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === BACKSLASH) escaped = true;
          else if (byte === QUOTE) {
            inString = false;
            afterString = true;
            continue;
          }
          if (token.length < MAX_KEY_CHARS) token += String.fromCharCode(byte);
          else tokenTooLong = true;
          continue;
        }
        if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) continue;
        if (byte === COLON && afterString) {
          key = tokenTooLong ? null : token;
          afterString = false;
          continue;
        }
        afterString = false;
        if (byte === QUOTE && key === B64_KEY) {
          key = null;
          skeleton.add(value.subarray(run, i));
          run = i;
          image = new ImageDecoder(images++, sink);
          continue;
        }
        key = null;
        if (byte === QUOTE) {
          inString = true;
          token = "";
          tokenTooLong = false;
        }
      }
      skeleton.add(value.subarray(run, i));
    }
  } catch (err) {
    await image?.abort(err);
    await reader.cancel(err).catch(() => undefined);
    throw err;
  }
  if (image || inString) {
    await image?.abort(new MalformedAnswer("truncated"));
    throw new MalformedAnswer("the answer broke off inside a string");
  }
  return skeleton.parse();
}
