import { Feed } from "../feed";
import { ChunkReader } from "./chunk-reader";
import { MalformedAnswer } from "./malformed";

// Reads a text/event-stream whose events may be megabytes long (a base64 image per event): each event's data is
// handed over as a byte stream while it arrives, never held whole, and never decoded as text (the base64 scanner
// reads bytes). Only the `event` and `data` fields matter here; `id`, `retry` and comments are skipped. Lines end in
// LF or CRLF.

/** Gets an event's name (from its `event:` line, which comes before its data) and its data as it arrives. */
export type EventSink = (name: string, data: ReadableStream<Uint8Array>) => Promise<void>;

const MAX_FIELD_CHARS = 16;
const MAX_NAME_CHARS = 128;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const NEWLINE = new Uint8Array([LF]);
const ascii = (bytes: Uint8Array): string => String.fromCharCode(...bytes);

export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: EventSink): Promise<void> {
  const reader = new ChunkReader(body, { ownChunks: true });
  /** "field": reading a line's field name; "data": streaming a data value; "value": any other value, or a comment. */
  let mode: "field" | "data" | "value" = "field";
  let field = "";
  let value = "";
  let leadingSpace = false;
  /** A data piece ended in CR: held back until we know whether LF follows (a CRLF line end) or not. */
  let heldCR = false;
  let name = "message";
  let data: Feed<Uint8Array> | null = null;

  const endOfLine = (): void => {
    if (field === "event") name = value.replace(/\r$/, "").replace(/^ /, "") || "message";
    mode = "field";
    field = "";
    value = "";
  };

  async function endOfEvent(): Promise<void> {
    const open = data;
    data = null;
    name = "message";
    await open?.close();
  }

  async function writeData(piece: Uint8Array, lineEnds: boolean): Promise<void> {
    let bytes = piece;
    if (heldCR) {
      bytes = new Uint8Array(piece.length + 1);
      bytes[0] = CR;
      bytes.set(piece, 1);
    }
    const endsInCR = bytes[bytes.length - 1] === CR;
    heldCR = !lineEnds && endsInCR;
    if (endsInCR) bytes = bytes.subarray(0, -1);
    if (leadingSpace && bytes.length > 0) {
      if (bytes[0] === SPACE) bytes = bytes.subarray(1);
      leadingSpace = false;
    }
    if (bytes.length > 0) await data!.write(bytes);
  }

  try {
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      let i = 0;
      while (i < chunk.length) {
        if (mode !== "field") {
          const end = chunk.indexOf(LF, i);
          const piece = chunk.subarray(i, end === -1 ? chunk.length : end);
          if (mode === "data") await writeData(piece, end !== -1);
          else if (field === "event" && value.length < MAX_NAME_CHARS) value += ascii(piece.subarray(0, MAX_NAME_CHARS - value.length));
          if (end === -1) break;
          endOfLine();
          i = end + 1;
          continue;
        }
        const byte = chunk[i++]!;
        if (byte === CR) continue;
        if (byte === LF) {
          if (field === "") await endOfEvent();
          endOfLine();
        } else if (byte === 0x3a) {
          if (field === "data") {
            if (data) await data.write(NEWLINE);
            else data = new Feed((readable) => onEvent(name, readable));
            mode = "data";
            leadingSpace = true;
          } else mode = "value";
        } else if (field.length < MAX_FIELD_CHARS) field += String.fromCharCode(byte);
      }
    }
  } catch (err) {
    await (data as Feed<Uint8Array> | null)?.abort(err);
    await reader.cancel(err).catch(() => undefined);
    throw err;
  }
  if (data) {
    await (data as Feed<Uint8Array>).abort(new MalformedAnswer("the event stream broke off inside an event"));
    throw new MalformedAnswer("the event stream broke off inside an event");
  }
}
