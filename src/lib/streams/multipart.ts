import { ChunkReader } from "./chunk-reader";

// A streaming multipart/form-data reader (RFC 7578): each part's body is a ReadableStream read straight off the
// request, so a file goes into R2 as it arrives and a request never holds more than a few chunks of it. The runtime's
// formData() and buffering parsers hold every file whole (a 25 MB upload cost the isolate 170 MB); this holds at most
// one read of the source (up to 256 KB: chunk-reader.ts, as a request body's 4 KB chunks cost more CPU than their
// bytes) plus a delimiter's length. Parts come one at a time: the next is read once the current body is done (read to
// its end, or left: the rest is skipped).

export interface MultipartLimits {
  /** Parts in the form, fields and files together. */
  maxParts: number;
  /** Bytes of one part's header block. */
  maxHeaderBytes: number;
  /** Bytes of one field's value (a part without a filename). */
  maxFieldBytes: number;
  /** Bytes of the whole body, framing included. */
  maxTotalBytes: number;
}

export interface PartHead {
  name: string;
  /** Null for a field; a file part has a filename (perhaps empty). */
  filename: string | null;
  contentType: string | null;
}

export interface Part extends PartHead {
  body: ReadableStream<Uint8Array>;
  /** The parser's fault met inside this body, if any: a consumer that wraps the body's errors hides it otherwise. */
  fault: () => MultipartError | null;
}

export type MultipartFault = "malformed" | "too_many_parts" | "header_too_large" | "field_too_large" | "too_large";

export class MultipartError extends Error {
  constructor(
    readonly fault: MultipartFault,
    message: string,
  ) {
    super(message);
  }
}

const CRLF = new Uint8Array([13, 10]);
const encoder = new TextEncoder();

/** The boundary of a multipart/form-data content type; null if it is not one or names none. */
export function boundaryOf(contentType: string): string | null {
  if (!/^multipart\/form-data\s*;/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]!) : null;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Where `needle` starts in `hay` at or after `from`, or -1. */
function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]!;
  for (let i = hay.indexOf(first, from); i !== -1 && i + needle.length <= hay.length; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

/** Where the part of `hay`'s end that could begin `needle` starts: hay.length when none could. */
function partialAt(hay: Uint8Array, needle: Uint8Array): number {
  for (let i = hay.indexOf(needle[0]!, Math.max(0, hay.length - needle.length + 1)); i !== -1; i = hay.indexOf(needle[0]!, i + 1)) {
    let j = 0;
    while (i + j < hay.length && hay[i + j] === needle[j]) j++;
    if (i + j === hay.length) return i;
  }
  return hay.length;
}

/** A quoted or bare parameter of a Content-Disposition (browsers escape `"` as %22; a backslash escape is undone). */
function param(header: string, key: string): string | null {
  const m = new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^\\s;"]+))`, "i").exec(header);
  if (!m) return null;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : m[2]!;
}

function parseHead(block: string): PartHead {
  let disposition: string | null = null;
  let contentType: string | null = null;
  for (const line of block.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon <= 0) throw new MultipartError("malformed", "a part's header line has no name");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === "content-disposition") disposition = value;
    else if (name === "content-type") contentType = value;
  }
  if (!disposition || !/^form-data\s*(;|$)/i.test(disposition)) throw new MultipartError("malformed", "a part has no Content-Disposition: form-data");
  const name = param(disposition, "name");
  if (name === null) throw new MultipartError("malformed", "a part has no name");
  return { name, filename: param(disposition, "filename"), contentType };
}

/**
 * The form's parts, in order. Throws MultipartError for a malformed form or one past the limits; a part's body stream
 * errors with it too when the fault is met inside that body.
 */
export async function* readParts(source: ReadableStream<Uint8Array>, boundary: string, limits: MultipartLimits): AsyncGenerator<Part> {
  const reader = new ChunkReader(source, { ownChunks: true });
  // Every delimiter is CRLF "--" boundary; the first one has no CRLF before it, so one is put in front of the body.
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  let pending: Uint8Array = CRLF;
  let total = 0;
  let ended = false;

  /** More bytes onto `pending`; false at the end of the source. */
  const more = async (): Promise<boolean> => {
    if (ended) return false;
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      return false;
    }
    total += value.length;
    if (total > limits.maxTotalBytes) throw new MultipartError("too_large", `the body is larger than ${limits.maxTotalBytes} bytes`);
    // Each read is its own chunk: the bodies hand views of `pending` on.
    pending = concat(pending, value);
    return true;
  };

  /** The next bytes of the current body (up to the delimiter), or null when the delimiter is next. */
  const bodyBytes = async (): Promise<Uint8Array | null> => {
    for (;;) {
      const at = indexOf(pending, delimiter);
      if (at === 0) return null;
      if (at > 0) {
        const bytes = pending.subarray(0, at);
        pending = pending.subarray(at);
        return bytes;
      }
      // Keep only what could be the start of a delimiter split across chunks (rarely anything): then the next chunk
      // is taken alone, not copied onto the rest of this one.
      const safe = partialAt(pending, delimiter);
      if (safe > 0) {
        const bytes = pending.subarray(0, safe);
        pending = pending.subarray(safe);
        return bytes;
      }
      if (!(await more())) throw new MultipartError("malformed", "the form ends before its closing boundary");
    }
  };

  /** Past a delimiter: true if another part follows, false at the closing one. */
  const afterDelimiter = async (): Promise<boolean> => {
    while (pending.length < delimiter.length + 2) {
      if (!(await more())) throw new MultipartError("malformed", "the form ends inside a boundary");
    }
    const a = pending[delimiter.length]!;
    const b = pending[delimiter.length + 1]!;
    pending = pending.subarray(delimiter.length + 2);
    if (a === 45 && b === 45) return false; // "--": the closing delimiter; an epilogue after it is ignored.
    if (a === 13 && b === 10) return true;
    throw new MultipartError("malformed", "a boundary is followed by neither CRLF nor --");
  };

  const readHead = async (): Promise<PartHead> => {
    const end = encoder.encode("\r\n\r\n");
    for (;;) {
      // A part with no header lines starts with the blank line at once.
      const at = pending[0] === 13 && pending[1] === 10 ? -2 : indexOf(pending, end);
      if (at > limits.maxHeaderBytes || (at === -1 && pending.length > limits.maxHeaderBytes)) {
        throw new MultipartError("header_too_large", `a part's headers are larger than ${limits.maxHeaderBytes} bytes`);
      }
      if (at !== -1) {
        const block = new TextDecoder().decode(pending.subarray(0, Math.max(0, at)));
        pending = pending.subarray(at + 4);
        return parseHead(block);
      }
      if (!(await more())) throw new MultipartError("malformed", "the form ends inside a part's headers");
    }
  };

  try {
    // The preamble, if any, is skipped.
    while ((await bodyBytes()) !== null);
    let parts = 0;
    while (await afterDelimiter()) {
      if (++parts > limits.maxParts) throw new MultipartError("too_many_parts", `the form has more than ${limits.maxParts} parts`);
      const head = await readHead();
      let fieldBytes = 0;
      let done = false;
      let fault: MultipartError | null = null;
      // Once the consumer asks for the next part, this body may no longer read the source: a read of it still under
      // way is awaited (the source takes one read at a time), and a later one errors rather than cut the body short.
      let passed = false;
      let pulling: Promise<void> | null = null;
      const pullBody = async (controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> => {
        if (passed) {
          const err = new Error(`the form's reader has moved past the part ${head.name}`);
          controller.error(err);
          throw err;
        }
        try {
          const bytes = await bodyBytes();
          if (bytes === null) {
            done = true;
            return controller.close();
          }
          fieldBytes += bytes.length;
          if (head.filename === null && fieldBytes > limits.maxFieldBytes) {
            throw new MultipartError("field_too_large", `the field ${head.name} is larger than ${limits.maxFieldBytes} bytes`);
          }
          controller.enqueue(bytes);
        } catch (err) {
          if (err instanceof MultipartError) fault = err;
          controller.error(err);
          throw err;
        }
      };
      const body = new ReadableStream<Uint8Array>({
        pull: (controller) => (pulling = pullBody(controller)),
      });
      yield { ...head, body, fault: () => fault };
      passed = true;
      await (pulling as Promise<void> | null)?.catch(() => undefined);
      // What the consumer left of the body is skipped (and still counts toward a field's limit).
      while (!done) {
        const bytes = await bodyBytes();
        if (bytes === null) break;
        fieldBytes += bytes.length;
        if (head.filename === null && fieldBytes > limits.maxFieldBytes) {
          throw new MultipartError("field_too_large", `the field ${head.name} is larger than ${limits.maxFieldBytes} bytes`);
        }
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** A field's value as text (its body is at most maxFieldBytes, enforced by readParts). */
export const fieldText = (part: Part): Promise<string> => new Response(part.body).text();
