import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { JobSpec } from "../../src/catalogue";
import type { StoredFile } from "../../src/files/stored-file";
import { MalformedAnswer } from "../../src/lib/streams/malformed";
import { readEvents } from "../../src/lib/streams/sse";
import { readStreamedAnswer } from "../../src/providers/openai/stream";
import { UpstreamError, type ProviderContext } from "../../src/providers/types";

// OpenAI's event stream read as it arrives: events split anywhere (inside names, CRLFs and base64) come out whole and
// in order, no event's data is held whole, and a stream that breaks off or ends in an error event says so.

/** `text` (ASCII) as a stream of byte pieces cut at the given offsets. */
function cut(text: string, offsets: number[]): ReadableStream<Uint8Array> {
  const at = [...new Set(offsets.filter((o) => o > 0 && o < text.length))].sort((a, b) => a - b);
  const pieces = [0, ...at].map((start, i) => new TextEncoder().encode(text.slice(start, at[i] ?? text.length)));
  return new ReadableStream({
    pull(controller) {
      const next = pieces.shift();
      if (next === undefined) controller.close();
      else controller.enqueue(next);
    },
  });
}

async function collect(body: ReadableStream<Uint8Array>): Promise<{ events: [string, string][]; largestPiece: number }> {
  const events: [string, string][] = [];
  let largestPiece = 0;
  await readEvents(body, async (name, data) => {
    let text = "";
    for await (const piece of data as unknown as AsyncIterable<Uint8Array>) {
      largestPiece = Math.max(largestPiece, piece.length);
      text += new TextDecoder().decode(piece);
    }
    events.push([name, text]);
  });
  return { events, largestPiece };
}

const STREAM =
  ": keep-alive\r\n\r\n" +
  "event: image_generation.partial_image\r\ndata: {\"b64_json\":\"QUJD\",\"partial_image_index\":0}\r\n\r\n" +
  "id: 7\nretry: 1000\nevent:image_generation.completed\ndata:{\"a\":1,\ndata:  \"b\":2}\n\n" +
  "data: no name\n\n";

describe("readEvents", () => {
  it("reads names and data, joining data lines, whatever the chunking", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: STREAM.length }), { maxLength: 40 }), async (offsets) => {
        const { events } = await collect(cut(STREAM, offsets));
        expect(events).toEqual([
          ["image_generation.partial_image", '{"b64_json":"QUJD","partial_image_index":0}'],
          ["image_generation.completed", '{"a":1,\n "b":2}'],
          ["message", "no name"],
        ]);
      }),
      { numRuns: 200 },
    );
  });

  it("hands a long data line on in the pieces it arrived in", async () => {
    const long = "A".repeat(200_000);
    const offsets = Array.from({ length: 100 }, (_, i) => 30 + i * 2000);
    const { events, largestPiece } = await collect(cut(`event: x\ndata: ${long}\n\n`, offsets));
    expect(events).toEqual([["x", long]]);
    expect(largestPiece).toBeLessThanOrEqual(2000);
  });

  it("reads a byte stream (a fetch body) in large reads into one buffer, and hands a slow reader what it was sent", async () => {
    // Each data line spans several reads of the reader's buffer, which the next read reuses: a piece handed on must
    // not be a view of it, or a reader that takes its time would find it overwritten.
    const lines = ["A", "B", "C"].map((c, i) => c.repeat(300_000 + i) + "xyz".repeat(1000));
    const body = new Response(lines.map((line, i) => `event: e${i}\ndata: ${line}\n\n`).join("")).body!;
    const events: [string, string][] = [];
    let largestPiece = 0;
    await readEvents(body, async (name, data) => {
      const pieces: Uint8Array[] = [];
      for await (const piece of data as unknown as AsyncIterable<Uint8Array>) {
        largestPiece = Math.max(largestPiece, piece.length);
        pieces.push(piece);
        await new Promise((r) => setTimeout(r, 1));
      }
      events.push([name, pieces.map((p) => new TextDecoder().decode(p)).join("")]);
    });
    expect(events).toEqual(lines.map((line, i) => [`e${i}`, line]));
    expect(largestPiece).toBeGreaterThan(64 * 1024);
  });

  it("refuses a stream that breaks off inside an event, and passes on what the reader threw", async () => {
    await expect(collect(cut("event: x\ndata: {\"half", [5]))).rejects.toBeInstanceOf(MalformedAnswer);
    const failing = readEvents(cut("event: x\ndata: 1\n\nevent: y\ndata: 2\n\n", [3, 20]), async (name) => {
      if (name === "y") throw new Error("sink broke");
    });
    await expect(failing).rejects.toThrow("sink broke");
  });
});

const spec = { quantity: 1 } as JobSpec;
const b64 = (text: string): string => btoa(text);

/** A context whose store and partial keep the bytes they are given, as text. */
function recordingContext() {
  const stored: string[] = [];
  const partials: [number, number, string][] = [];
  const ctx = {
    store: async (n: number, body: ReadableStream<Uint8Array>) => {
      stored[n] = await new Response(body).text();
      return { key: `k${n}` } as StoredFile;
    },
    partial: async (n: number, p: number, body: ReadableStream<Uint8Array>) => {
      partials.push([n, p, await new Response(body).text()]);
    },
  } as unknown as ProviderContext;
  return { ctx, stored, partials };
}

const event = (name: string, data: object): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
const bytes = (text: string): ReadableStream<Uint8Array> => new Response(text).body!;

describe("readStreamedAnswer", () => {
  it("stores partials and images, sums the usage, and drains images beyond those asked for", async () => {
    const { ctx, stored, partials } = recordingContext();
    const usage = { input_tokens: 5, output_tokens: 100, total_tokens: 105 };
    const answer = await readStreamedAnswer(
      bytes(
        event("image_generation.partial_image", { type: "image_generation.partial_image", b64_json: b64("p0"), partial_image_index: 0 }) +
          event("image_generation.partial_image", { type: "image_generation.partial_image", b64_json: b64("p1"), partial_image_index: 1 }) +
          event("image_generation.completed", { type: "image_generation.completed", b64_json: b64("image"), usage }) +
          event("image_generation.partial_image", { type: "image_generation.partial_image", b64_json: b64("extra partial"), partial_image_index: 0 }) +
          event("image_generation.completed", { type: "image_generation.completed", b64_json: b64("extra"), usage }),
      ),
      spec,
      ctx,
    );
    expect(partials).toEqual([[0, 0, "p0"], [0, 1, "p1"]]);
    expect(stored).toEqual(["image"]);
    expect(answer).toEqual({ files: [{ key: "k0" }], count: 2, cost: { usage: { inputTokens: 10, outputTokens: 200, totalTokens: 210 } } });
  });

  it("turns an error event into the provider's error: moderation ends the job, anything else is an unknown outcome", async () => {
    const moderated = await readStreamedAnswer(
      bytes(event("error", { type: "error", error: { message: "blocked", type: "image_generation_user_error", code: "moderation_blocked" } })),
      spec,
      recordingContext().ctx,
    ).catch((e: unknown) => e);
    expect(moderated).toBeInstanceOf(UpstreamError);
    expect((moderated as UpstreamError).classified.class).toBe("moderated");
    const other = await readStreamedAnswer(bytes(event("error", { error: { message: "oops", code: null } })), spec, recordingContext().ctx).catch((e: unknown) => e);
    expect((other as UpstreamError).classified).toMatchObject({ class: "retryable", unknownOutcome: true });
  });
});
