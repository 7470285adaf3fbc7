import { describe, expect, it } from "vitest";
import { createSseParser, readEventStream, type SseEvent } from "../../src/ui/client/sse.js";

// The playground's event-stream parser, fed the way a network delivers: in arbitrary pieces.

function parse(chunks: string[]): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = createSseParser((e) => events.push(e));
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return events;
}

const job = (status: string, progress: number) => JSON.stringify({ id: "j1", status, progress });
const STREAM =
  `: keep-alive\n\nevent: progress\nid: 1\ndata: ${job("PROCESSING", 40)}\n\n` +
  `event: completed\r\nid: 2\r\ndata: ${job("COMPLETED", 100)}\r\n\r\n`;
const EXPECTED: SseEvent[] = [
  { event: "progress", data: job("PROCESSING", 40), id: "1" },
  { event: "completed", data: job("COMPLETED", 100), id: "2" },
];

describe("event stream parser", () => {
  it("parses named events with JSON data, skipping comments, with LF and CRLF line ends", () => {
    expect(parse([STREAM])).toEqual(EXPECTED);
  });

  it("gives the same events however the stream is cut, including between CR and LF", () => {
    for (let size = 1; size <= 7; size++) {
      const chunks = STREAM.match(new RegExp(`[\\s\\S]{1,${size}}`, "g"))!;
      expect(parse(chunks), `chunks of ${size}`).toEqual(EXPECTED);
    }
    const crlf = STREAM.indexOf("\r\n");
    expect(parse([STREAM.slice(0, crlf + 1), STREAM.slice(crlf + 1)])).toEqual(EXPECTED);
  });

  it("joins multi-line data, defaults the type to message, handles bare CR, a BOM and fields without a value", () => {
    expect(parse(["\uFEFFdata: a\rdata:b\r\rdata\n\nevent: x\n\n"])).toEqual([
      { event: "message", data: "a\nb", id: "" },
      { event: "message", data: "", id: "" },
    ]);
  });

  it("drops an event cut off by the end of the stream", () => {
    expect(parse(["event: completed\ndata: {}\n"])).toEqual([]);
  });

  it("reads a response body and stops when told to", async () => {
    const bytes = new TextEncoder().encode(STREAM + `event: late\ndata: {}\n\n`);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 5) controller.enqueue(bytes.slice(i, i + 5));
        controller.close();
      },
    });
    const seen: string[] = [];
    await readEventStream(body, (e) => {
      seen.push(e.event);
      return e.event !== "completed";
    });
    expect(seen).toEqual(["progress", "completed"]);
  });
});
