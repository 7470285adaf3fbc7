import { ApiError } from "../errors";
import type { Json } from "../json";
import { malformedJson } from "../json-body";
import { MAX_DEPTH, MAX_ITEMS, tooDeep, tooManyItems, type Where } from "../json-limits";
import { FOUND_CHARS, breakMessage } from "../json-position";
import { ByteReader } from "./byte-reader";

// Parses a JSON body as it arrives, holding about one network chunk of it. A string the caller diverts (by its path
// and first characters: an edit's data: URL) goes to a sink piece by piece and is never held; everything else is kept,
// within a budget of text, and must be small. Nesting and value count are limited as in json-limits.ts, as the
// brackets arrive. A break is reported as json-position.ts reports it, with the same messages and positions.

export type JsonPath = readonly (string | number)[];

/** Takes a diverted string's characters, in order; `end` gives the value that stands in for the string. */
export interface StringSink {
  write(chars: string): Promise<void>;
  end(): Promise<Json>;
  /** The body broke (or the parse failed) inside the string: drop what was written. */
  abort(reason: unknown): Promise<void>;
}

export interface StreamOptions {
  /** Bytes the body may hold; past them, `tooLarge` is thrown and the rest is left unread. */
  maxBytes: number;
  tooLarge: () => ApiError;
  /** Characters of kept text (strings and keys together) a body may hold. */
  maxTextChars: number;
  /** A sink for the string at `path` that starts with `head` (HEAD_CHARS of it, or all of a shorter one), or null. */
  divert?: (path: JsonPath, head: string) => StringSink | null;
}

/** How much of a string is seen before it is diverted or kept. */
export const HEAD_CHARS = 128;
/** Bytes read from the body at a time. */
const READ_BYTES = 64 * 1024;
/** A diverted string's characters are handed on in pieces of about this many. */
const PIECE_CHARS = 64 * 1024;
/** No number a request needs is longer. */
const MAX_NUMBER_CHARS = 64;
const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/;

/** The escape at chunk[i] (a backslash) and its length, or null when the chunk ends inside it or it is not valid. */
function escapeAt(chunk: string, i: number): [string, number] | null {
  const simple = ESCAPES[chunk[i + 1] ?? ""];
  if (simple !== undefined) return [simple, 2];
  if (chunk[i + 1] !== "u" || i + 6 > chunk.length) return null;
  const hex = chunk.slice(i + 2, i + 6);
  return /^[0-9a-fA-F]{4}$/.test(hex) ? [String.fromCharCode(parseInt(hex, 16)), 6] : null;
}

/** The body as text, a chunk at a time, read into one reused buffer (straight into it where the stream allows: BYOB). */
class Chars {
  chunk = "";
  /** Index into `chunk`. */
  i = 0;
  /** Position of chunk[0] in the whole text. */
  private base = 0;
  private line = 1;
  private lineStart = 0;
  private ended = false;
  private readonly decoder = new TextDecoder();
  private readonly reader: ByteReader;
  private buffer = new Uint8Array(READ_BYTES);
  private bytes = 0;

  constructor(
    body: ReadableStream<Uint8Array>,
    private readonly limit: Pick<StreamOptions, "maxBytes" | "tooLarge">,
  ) {
    this.reader = new ByteReader(body);
  }

  get at(): number {
    return this.base + this.i;
  }

  where(at = this.at): Where {
    return { line: this.line, column: at - this.lineStart + 1, at };
  }

  /** Steps over a newline of whitespace (the only place one can be), for line numbers. */
  newline(): void {
    this.i++;
    this.line++;
    this.lineStart = this.at;
  }

  /** The next code unit, or NaN at the end of the text; reads on when the chunk is used up. */
  async peek(): Promise<number> {
    while (this.i >= this.chunk.length) if (!(await this.load(false))) return NaN;
    return this.chunk.charCodeAt(this.i);
  }

  /** Makes `n` characters from `i` on available in the chunk (fewer at the end of the text). */
  async ensure(n: number): Promise<void> {
    while (this.chunk.length - this.i < n) if (!(await this.load(true))) return;
  }

  /** Reads the next piece of text: in place of the chunk, or after what is left of it (`keep`). */
  private async load(keep: boolean): Promise<boolean> {
    for (;;) {
      if (this.ended) return false;
      const bytes = await this.read();
      this.bytes += bytes?.length ?? 0;
      if (this.bytes > this.limit.maxBytes) throw this.limit.tooLarge();
      const text = bytes ? this.decoder.decode(bytes, { stream: true }) : this.decoder.decode();
      if (!bytes) this.ended = true;
      if (text.length === 0) continue;
      const left = keep ? this.chunk.slice(this.i) : "";
      this.base += this.i;
      this.chunk = left + text;
      this.i = 0;
      return true;
    }
  }

  private async read(): Promise<Uint8Array | null> {
    const value = await this.reader.read(this.buffer);
    if (value.length === 0) return null;
    this.buffer = new Uint8Array(value.buffer);
    return value;
  }

  cancel(): Promise<void> {
    return this.reader.cancel();
  }
}

class Parser {
  private items = 0;
  private textChars = 0;

  constructor(
    private readonly text: Chars,
    private readonly options: StreamOptions,
  ) {}

  async document(): Promise<Json> {
    const value = await this.value([], 0);
    await this.space();
    if (!Number.isNaN(await this.text.peek())) throw await this.broken("the end of the JSON");
    return value;
  }

  private async broken(expected: string, at = this.text.at): Promise<ApiError> {
    const where = this.text.where(at);
    await this.text.ensure(at - this.text.at + FOUND_CHARS);
    const from = this.text.i + at - this.text.at;
    const found = from < this.text.chunk.length ? this.text.chunk.slice(from, from + FOUND_CHARS) : null;
    return malformedJson(breakMessage(expected, where, found));
  }

  private count(): void {
    if (++this.items > MAX_ITEMS) throw tooManyItems(this.text.where());
  }

  /** Skips whitespace: a chunk at a time, waiting only for the next chunk (a megabyte of spaces is not a million awaits). */
  private async space(): Promise<void> {
    const text = this.text;
    for (;;) {
      if (Number.isNaN(await text.peek())) return;
      const chunk = text.chunk;
      while (text.i < chunk.length) {
        const c = chunk.charCodeAt(text.i);
        if (c === 0x0a) text.newline();
        else if (c === 0x20 || c === 0x09 || c === 0x0d) text.i++;
        else return;
      }
    }
  }

  private async value(path: JsonPath, depth: number): Promise<Json> {
    await this.space();
    const c = await this.text.peek();
    if (c === 0x7b || c === 0x5b) {
      if (depth === MAX_DEPTH) throw tooDeep(this.text.where());
      this.count();
      this.text.i++;
      return c === 0x7b ? this.object(path, depth + 1) : this.array(path, depth + 1);
    }
    if (c === 0x22) return this.string(path);
    return this.scalar();
  }

  private async object(path: JsonPath, depth: number): Promise<Json> {
    const out: Record<string, Json> = {};
    await this.space();
    if ((await this.text.peek()) === 0x7d) {
      this.text.i++;
      return out;
    }
    for (;;) {
      await this.space();
      if ((await this.text.peek()) !== 0x22) throw await this.broken("a property name in double quotes");
      const key = (await this.string(null)) as string;
      await this.space();
      if ((await this.text.peek()) !== 0x3a) throw await this.broken("':'");
      this.text.i++;
      const value = await this.value([...path, key], depth);
      // As JSON.parse does: "__proto__" is an own member, not the object's prototype.
      if (key === "__proto__") Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      if (!(await this.next(0x7d, "',' or '}'"))) return out;
    }
  }

  private async array(path: JsonPath, depth: number): Promise<Json> {
    const out: Json[] = [];
    await this.space();
    if ((await this.text.peek()) === 0x5d) {
      this.text.i++;
      return out;
    }
    for (;;) {
      out.push(await this.value([...path, out.length], depth));
      if (!(await this.next(0x5d, "',' or ']'"))) return out;
    }
  }

  /** After a member or element: true on a comma (another follows), false on the closing bracket. */
  private async next(close: number, expected: string): Promise<boolean> {
    await this.space();
    const c = await this.text.peek();
    if (c === close) {
      this.text.i++;
      return false;
    }
    if (c !== 0x2c) throw await this.broken(expected);
    this.count();
    this.text.i++;
    return true;
  }

  /** true, false, null or a number, as json-position.ts reads them. */
  private async scalar(): Promise<Json> {
    const text = this.text;
    await text.ensure(MAX_NUMBER_CHARS + 1);
    for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.chunk.startsWith(word, text.i)) {
        text.i += word.length;
        return value;
      }
    }
    const number = NUMBER.exec(text.chunk.slice(text.i, text.i + MAX_NUMBER_CHARS + 1))?.[0];
    if (!number) throw await this.broken("a value");
    if (number.length > MAX_NUMBER_CHARS) {
      const message = `is longer than ${MAX_NUMBER_CHARS} characters`;
      throw new ApiError("invalid_request", `A number in the JSON body ${message} (position ${text.at}).`, { errors: [{ path: "(body)", message }] });
    }
    text.i += number.length;
    return Number(number);
  }

  /** A string from its opening quote: kept (a key when `path` is null), or handed to the sink `divert` gives. */
  private async string(path: JsonPath | null): Promise<Json> {
    const text = this.text;
    text.i++;
    // `kept` holds the string until it is diverted (its head), or all of it; `pending` what the sink has yet to take.
    const s = { kept: "", pending: "", sink: null as StringSink | null, decided: path === null || this.options.divert === undefined };
    const decide = (): void => {
      s.decided = true;
      s.sink = this.options.divert!(path!, s.kept.slice(0, HEAD_CHARS));
      if (s.sink) [s.pending, s.kept] = [s.kept, ""];
    };
    const add = async (piece: string): Promise<void> => {
      if (s.sink) {
        // A chunk's worth goes on as it is (a slice of the chunk, not a copy); only small pieces are joined.
        if (s.pending.length === 0 && piece.length >= PIECE_CHARS / 4) return s.sink.write(piece);
        s.pending += piece;
        if (s.pending.length < PIECE_CHARS) return;
        const out = s.pending;
        s.pending = "";
        return s.sink.write(out);
      }
      s.kept += piece;
      if (!s.decided && s.kept.length >= HEAD_CHARS) decide();
      if (!s.sink && this.textChars + s.kept.length > this.options.maxTextChars) throw this.tooMuchText();
    };
    try {
      for (;;) {
        if (Number.isNaN(await text.peek())) throw await this.broken(`the closing '"' of the string`);
        const chunk = text.chunk;
        let j = text.i;
        // The chunk's characters up to the closing quote, escapes decoded in place: one piece per chunk, however many
        // escapes it holds (a megabyte of `\"` is not half a million awaits). An escape cut by the chunk's end, or a
        // broken one, is left to escape() below.
        let piece = "";
        let run = j;
        for (;;) {
          for (let c = chunk.charCodeAt(j); j < chunk.length && c !== 0x22 && c !== 0x5c && c >= 0x20; c = chunk.charCodeAt(++j));
          if (chunk.charCodeAt(j) !== 0x5c) break;
          const escaped = escapeAt(chunk, j);
          if (escaped === null) break;
          piece += chunk.slice(run, j) + escaped[0];
          j += escaped[1];
          run = j;
        }
        piece += chunk.slice(run, j);
        if (piece.length > 0) await add(piece);
        text.i = j;
        if (j === chunk.length) continue;
        const c = chunk.charCodeAt(j);
        if (c === 0x22) {
          text.i++;
          break;
        }
        if (c < 0x20) throw await this.broken("an escape (such as \\n) instead of a control character");
        await add(await this.escape());
      }
      if (!s.decided) decide();
      const sink = s.sink;
      if (sink === null) {
        this.textChars += s.kept.length;
        return s.kept;
      }
      if (s.pending.length > 0) await sink.write(s.pending);
      s.sink = null;
      return await sink.end();
    } catch (err) {
      await s.sink?.abort(err);
      throw err;
    }
  }

  /** The escape at the cursor (a backslash), decoded. */
  private async escape(): Promise<string> {
    await this.text.ensure(6);
    const escaped = escapeAt(this.text.chunk, this.text.i);
    if (!escaped) throw await this.broken("a valid escape (such as \\n or \\u00e9)");
    this.text.i += escaped[1];
    return escaped[0];
  }

  private tooMuchText(): ApiError {
    const message = `holds more than ${this.options.maxTextChars} characters of text, more than any request needs`;
    return new ApiError("invalid_request", `The JSON body ${message} (at position ${this.text.at}).`, { errors: [{ path: "(body)", message }] });
  }
}

/** The body parsed, diverted strings replaced by what their sinks gave; throws an ApiError for a body it refuses. */
export async function parseJsonStream(body: ReadableStream<Uint8Array> | null, options: StreamOptions): Promise<Json> {
  const text = new Chars(body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() }), options);
  try {
    return await new Parser(text, options).document();
  } finally {
    await text.cancel();
  }
}
