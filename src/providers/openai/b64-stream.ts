import { Feed } from "../../lib/feed";

// Reads an OpenAI images answer as a stream. Every `"b64_json": "<base64>"` value is decoded on the fly and handed over
// as a byte stream (with backpressure: the scan waits while the consumer writes to R2); everything else is kept as a
// small JSON "skeleton" (each b64_json value replaced by "") and parsed at the end. Neither a whole base64 string nor
// a whole image is ever held: memory stays at about one network chunk.

const MAX_SKELETON_CHARS = 256 * 1024;
const MAX_KEY_CHARS = 64;
const B64_ALPHABET = /[A-Za-z0-9+/=]/;

export class MalformedAnswer extends Error {}

export type ImageSink = (index: number, bytes: ReadableStream<Uint8Array>) => Promise<void>;

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** One image's base64 characters → bytes, fed to a stream its consumer reads concurrently. */
class ImageDecoder {
  private pending = "";
  private readonly bytes: Feed<Uint8Array>;

  constructor(index: number, sink: ImageSink) {
    this.bytes = new Feed((readable) => sink(index, readable));
  }

  async feed(chars: string): Promise<void> {
    this.pending += chars;
    const whole = this.pending.length - (this.pending.length % 4);
    if (whole === 0) return;
    const bytes = this.decode(this.pending.slice(0, whole));
    this.pending = this.pending.slice(whole);
    if (bytes.length > 0) await this.bytes.write(bytes);
  }

  async end(): Promise<void> {
    if (this.pending.length % 4 === 1) throw new MalformedAnswer("a b64_json value has a truncated base64 tail");
    if (this.pending.length > 0) await this.bytes.write(this.decode(this.pending.padEnd(this.pending.length + ((4 - (this.pending.length % 4)) % 4), "=")));
    this.pending = "";
    await this.bytes.close();
  }

  abort(reason: unknown): Promise<void> {
    return this.bytes.abort(reason);
  }

  private decode(text: string): Uint8Array {
    try {
      return decodeBase64(text);
    } catch {
      throw new MalformedAnswer("a b64_json value is not base64");
    }
  }
}

/**
 * Scans `body` (JSON), hands each b64_json value's bytes to `sink` in order, and returns the parsed skeleton.
 * Throws MalformedAnswer when the JSON is broken or truncated, or whatever the sink threw.
 */
export function scanImagesAnswer(body: ReadableStream<Uint8Array>, sink: ImageSink): Promise<unknown> {
  return scanImagesText(body.pipeThrough(new TextDecoderStream()), sink);
}

/** scanImagesAnswer for JSON that arrives as text (an SSE event's data). */
export async function scanImagesText(text: ReadableStream<string>, sink: ImageSink): Promise<unknown> {
  const reader = text.getReader();
  let skeleton = "";
  let inString = false;
  let escaped = false;
  let token = "";
  let tokenTooLong = false;
  let afterString = false;
  let key: string | null = null;
  let image: ImageDecoder | null = null;
  let b64Escape = false;
  let images = 0;

  const append = (s: string): void => {
    skeleton += s;
    if (skeleton.length > MAX_SKELETON_CHARS) throw new MalformedAnswer("the answer holds more than images and a little metadata");
  };

  /** Feeds base64 characters from text[from..] until the closing quote; returns where the scan goes on, or -1. */
  async function feedImage(text: string, from: number): Promise<number> {
    const close = text.indexOf('"', from);
    const slice = close === -1 ? text.slice(from) : text.slice(from, close);
    if (!b64Escape && !slice.includes("\\")) {
      await image!.feed(slice);
    } else {
      // Rare: an encoder that escapes "/" as "\/" or breaks lines as "\n".
      let chars = "";
      for (const ch of slice) {
        if (b64Escape) {
          b64Escape = false;
          if (ch === "/") chars += "/";
          else if (ch !== "n" && ch !== "r") throw new MalformedAnswer("a b64_json value holds an unexpected escape");
        } else if (ch === "\\") b64Escape = true;
        else if (B64_ALPHABET.test(ch)) chars += ch;
        else throw new MalformedAnswer("a b64_json value holds a non-base64 character");
      }
      await image!.feed(chars);
    }
    if (close === -1) return -1;
    if (b64Escape) throw new MalformedAnswer("a b64_json value ends in an escape");
    await image!.end();
    image = null;
    append('"');
    return close + 1;
  }

  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let i = 0;
      while (i < value.length) {
        if (image) {
          const next = await feedImage(value, i);
          if (next === -1) break;
          i = next;
          continue;
        }
        const ch = value[i]!;
        i++;
        if (inString) {
          append(ch);
          if (escaped) escaped = false;
          else if (ch === "\\") escaped = true;
          else if (ch === '"') {
            inString = false;
            afterString = true;
            continue;
          }
          if (token.length < MAX_KEY_CHARS) token += ch;
          else tokenTooLong = true;
          continue;
        }
        if (ch === " " || ch === "\n" || ch === "\r" || ch === "\t") {
          append(ch);
          continue;
        }
        if (ch === ":" && afterString) {
          key = tokenTooLong ? null : token;
          afterString = false;
          append(ch);
          continue;
        }
        afterString = false;
        if (ch === '"' && key === "b64_json") {
          key = null;
          append('"');
          image = new ImageDecoder(images++, sink);
          continue;
        }
        key = null;
        if (ch === '"') {
          inString = true;
          token = "";
          tokenTooLong = false;
        }
        append(ch);
      }
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
  try {
    return JSON.parse(skeleton);
  } catch {
    throw new MalformedAnswer("the answer is not JSON");
  }
}
