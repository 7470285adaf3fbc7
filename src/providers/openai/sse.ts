import { Feed } from "../../lib/feed";
import { MalformedAnswer } from "./b64-stream";

// Reads a text/event-stream whose events may be megabytes long (a base64 image per event): each event's data is
// handed over as a text stream while it arrives, never held whole. Only the `event` and `data` fields matter here;
// `id`, `retry` and comments are skipped. Lines end in LF or CRLF.

/** Gets an event's name (from its `event:` line, which comes before its data) and its data as it arrives. */
export type EventSink = (name: string, data: ReadableStream<string>) => Promise<void>;

const MAX_FIELD_CHARS = 16;
const MAX_NAME_CHARS = 128;

export async function readEvents(body: ReadableStream<string>, onEvent: EventSink): Promise<void> {
  const reader = body.getReader();
  /** "field": reading a line's field name; "data": streaming a data value; "value": any other value, or a comment. */
  let mode: "field" | "data" | "value" = "field";
  let field = "";
  let value = "";
  let leadingSpace = false;
  /** A data piece ended in CR: held back until we know whether LF follows (a CRLF line end) or not. */
  let heldCR = false;
  let name = "message";
  let data: Feed<string> | null = null;

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

  async function writeData(piece: string, lineEnds: boolean): Promise<void> {
    let text = heldCR ? `\r${piece}` : piece;
    heldCR = !lineEnds && text.endsWith("\r");
    if (text.endsWith("\r")) text = text.slice(0, -1);
    if (leadingSpace && text.length > 0) {
      if (text.startsWith(" ")) text = text.slice(1);
      leadingSpace = false;
    }
    if (text.length > 0) await data!.write(text);
  }

  try {
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      let i = 0;
      while (i < chunk.length) {
        if (mode !== "field") {
          const end = chunk.indexOf("\n", i);
          const piece = end === -1 ? chunk.slice(i) : chunk.slice(i, end);
          if (mode === "data") await writeData(piece, end !== -1);
          else if (field === "event" && value.length < MAX_NAME_CHARS) value += piece;
          if (end === -1) break;
          endOfLine();
          i = end + 1;
          continue;
        }
        const ch = chunk[i++]!;
        if (ch === "\r") continue;
        if (ch === "\n") {
          if (field === "") await endOfEvent();
          endOfLine();
        } else if (ch === ":") {
          if (field === "data") {
            if (data) await data.write("\n");
            else data = new Feed((readable) => onEvent(name, readable));
            mode = "data";
            leadingSpace = true;
          } else mode = "value";
        } else if (field.length < MAX_FIELD_CHARS) field += ch;
      }
    }
  } catch (err) {
    await (data as Feed<string> | null)?.abort(err);
    await reader.cancel(err).catch(() => undefined);
    throw err;
  }
  if (data) {
    await (data as Feed<string>).abort(new MalformedAnswer("the event stream broke off inside an event"));
    throw new MalformedAnswer("the event stream broke off inside an event");
  }
}
