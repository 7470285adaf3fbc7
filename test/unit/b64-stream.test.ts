import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MalformedAnswer } from "../../src/lib/streams/malformed";
import { scanImagesAnswer } from "../../src/providers/openai/b64-stream";
import { randomBytes } from "../helpers/bytes";

// OpenAI's base64 answer decoded as a stream: large images arriving in small, arbitrary chunks (splitting keys, escapes
// and base64 quads) come out byte for byte, and no piece handed on is larger than what arrived.

const encoder = new TextEncoder();

function base64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

const toHex = (digest: ArrayBuffer): string => Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
const hex = async (data: Uint8Array): Promise<string> => toHex(await crypto.subtle.digest("SHA-256", data));

/** `text` as a stream of chunks of 1..maxChunk bytes (deterministic sizes). */
function chunked(text: string, maxChunk: number, seed = 7): ReadableStream<Uint8Array> {
  const bytes = encoder.encode(text);
  const sizes = randomBytes(Math.ceil(bytes.length / 1) + 1, seed);
  let at = 0;
  let k = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      const size = 1 + ((sizes[k++ % sizes.length]! * 257 + k) % maxChunk);
      controller.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

interface Received {
  index: number;
  sha: string;
  length: number;
  largestPiece: number;
}

const scan = (text: string, maxChunk: number): Promise<{ skeleton: unknown; images: Received[] }> => scanWith(text, maxChunk, 7);

async function scanWith(text: string, maxChunk: number, seed: number): Promise<{ skeleton: unknown; images: Received[] }> {
  const images: Received[] = [];
  const skeleton = await scanImagesAnswer(chunked(text, maxChunk, seed), async (index, stream) => {
    const digest = new crypto.DigestStream("SHA-256");
    const writer = digest.getWriter();
    let length = 0;
    let largestPiece = 0;
    for await (const piece of stream as unknown as AsyncIterable<Uint8Array>) {
      length += piece.length;
      largestPiece = Math.max(largestPiece, piece.length);
      await writer.write(piece);
    }
    await writer.close();
    images.push({ index, sha: toHex(await digest.digest), length, largestPiece });
  });
  return { skeleton, images };
}

describe("streaming base64 decode of OpenAI answers", () => {
  it("decodes two large images arriving in small chunks, byte for byte, without ever handing on a large piece", async () => {
    const first = randomBytes(3 * 1024 * 1024 + 1, 11);
    const second = randomBytes(1024 * 1024 + 2, 23);
    const text = `{"created":1700000000,"background":"opaque","data":[{"b64_json":"${base64(first)}"},{"b64_json":"${base64(second)}"}],"usage":{"input_tokens":12,"output_tokens":4160,"total_tokens":4172}}`;
    const { skeleton, images } = await scan(text, 4096);
    expect(images.map((i) => [i.index, i.length])).toEqual([[0, first.length], [1, second.length]]);
    expect(images[0]!.sha).toBe(await hex(first));
    expect(images[1]!.sha).toBe(await hex(second));
    // Each decoded piece comes from at most one network chunk (plus a 3-byte carry): nothing is accumulated.
    expect(Math.max(...images.map((i) => i.largestPiece))).toBeLessThanOrEqual(3075);
    expect(skeleton).toEqual({ created: 1700000000, background: "opaque", data: [{ b64_json: "" }, { b64_json: "" }], usage: { input_tokens: 12, output_tokens: 4160, total_tokens: 4172 } });
  });

  it("reads a byte stream (a fetch body) in large reads into one buffer: a slow sink and a long skeleton still come out whole", async () => {
    // The reader's buffer is reused from read to read: nothing kept across reads (the skeleton, a base64 carry) may be
    // a view of it. The note spans reads too, and the sink holds each piece and takes its time.
    const first = randomBytes(700_001, 31);
    const second = randomBytes(600_002, 37);
    const note = "n".repeat(200_000);
    const text = `{"note":"${note}","data":[{"b64_json":"${base64(first)}"},{"b64_json":"${base64(second)}"}],"size":"auto"}`;
    const images: { sha: string; largestPiece: number }[] = [];
    const skeleton = await scanImagesAnswer(new Response(text).body!, async (_index, stream) => {
      const pieces: Uint8Array[] = [];
      for await (const piece of stream as unknown as AsyncIterable<Uint8Array>) {
        pieces.push(piece);
        await new Promise((r) => setTimeout(r, 1));
      }
      const all = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
      pieces.reduce((at, p) => (all.set(p, at), at + p.length), 0);
      images.push({ sha: await hex(all), largestPiece: Math.max(...pieces.map((p) => p.length)) });
    });
    expect(images.map((i) => i.sha)).toEqual([await hex(first), await hex(second)]);
    expect(Math.max(...images.map((i) => i.largestPiece))).toBeGreaterThan(48 * 1024);
    expect(skeleton).toEqual({ note, data: [{ b64_json: "" }, { b64_json: "" }], size: "auto" });
  });

  it("refuses a byte order mark or any other non-ASCII byte inside the base64", async () => {
    const b64 = base64(randomBytes(3000, 41));
    // Neither is base64, at the start of the value or inside it (whatever the text decoder does with a BOM).
    for (const [odd, at] of [["\uFEFF", 0], ["\uFEFF", 1200], ["é", 1200]] as const) {
      const text = `{"data":[{"b64_json":"${b64.slice(0, at)}${odd}${b64.slice(at)}"}]}`;
      await expect(scan(text, 300)).rejects.toBeInstanceOf(MalformedAnswer);
      await expect(scanImagesAnswer(new Response(text).body!, (_i, stream) => stream.pipeTo(new WritableStream()))).rejects.toBeInstanceOf(MalformedAnswer);
    }
  });

  it("copes with chunks of one byte, pretty-printed JSON, escaped slashes and line breaks in the base64", async () => {
    const bytes = randomBytes(5000, 5);
    const b64 = base64(bytes);
    const escaped = b64.replace(/(.{76})/g, "$1\n").replace(/\//g, "\\/").replace(/\n/g, "\\n");
    const text = `{\n  "note": "b64_json",\n  "data" : [ {\n    "b64_json" :\t"${escaped}" } ],\n  "size": "1024x1024"\n}`;
    const { skeleton, images } = await scan(text, 1);
    expect(images).toHaveLength(1);
    expect(images[0]!.sha).toBe(await hex(bytes));
    expect(skeleton).toEqual({ note: "b64_json", data: [{ b64_json: "" }], size: "1024x1024" });
  });

  it("accepts unpadded base64 and ignores b64_json text inside other strings", async () => {
    const bytes = randomBytes(1000, 3); // 1000 bytes: base64 ends in "=="
    const text = `{"x":"say \\"b64_json\\": \\"no\\"","data":[{"b64_json":"${base64(bytes).replace(/=+$/, "")}"}]}`;
    const { images, skeleton } = await scan(text, 7);
    expect(images[0]!.sha).toBe(await hex(bytes));
    expect(skeleton).toEqual({ x: 'say "b64_json": "no"', data: [{ b64_json: "" }] });
  });

  it("refuses answers that break off or are not base64, and passes on the sink's own failure", async () => {
    const b64 = base64(randomBytes(3000, 9));
    await expect(scan(`{"data":[{"b64_json":"${b64.slice(0, 1000)}`, 64)).rejects.toBeInstanceOf(MalformedAnswer);
    await expect(scan(`{"data":[{"b64_json":"${b64}"}]`, 64)).rejects.toBeInstanceOf(MalformedAnswer);
    await expect(scan(`{"data":[{"b64_json":"${b64.slice(0, 100)}!${b64.slice(100)}"}]}`, 64)).rejects.toBeInstanceOf(MalformedAnswer);
    // Spaces in separate chunks would put the quads out of step (the runtime's decoder skips whitespace): refused,
    // not decoded askew (four of them leave the length a whole number of quads).
    const spaced = [0, 1, 2, 3].map((i) => b64.slice(i * 200, (i + 1) * 200)).join(" ") + " " + b64.slice(800);
    await expect(scan(`{"data":[{"b64_json":"${spaced}"}]}`, 64)).rejects.toBeInstanceOf(MalformedAnswer);
    await expect(scan('{"id": "sim-malformed", "status": "COMPL', 16)).rejects.toBeInstanceOf(MalformedAnswer);
    const failing = scanImagesAnswer(chunked(`{"data":[{"b64_json":"${b64}"}]}`, 100), async (_i, stream) => {
      await stream.getReader().read();
      throw new Error("R2 is down");
    });
    await expect(failing).rejects.toThrow("R2 is down");
  });

  it("decodes any bytes, padded or not, cut anywhere, as the runtime's own base64 decoder does", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 1, max: 40 }), fc.boolean(), fc.nat(), async (bytes, maxChunk, unpadded, seed) => {
        const b64 = base64(bytes);
        const text = `{"data":[{"b64_json":"${unpadded ? b64.replace(/=+$/, "") : b64}","n":"é"}]}`;
        const { images, skeleton } = await scanWith(text, maxChunk, seed);
        expect(images[0]!.sha).toBe(await hex(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))));
        expect(skeleton).toEqual({ data: [{ b64_json: "", n: "é" }] });
      }),
      { numRuns: 150 },
    );
  });

  it("refuses padding anywhere but at the end", async () => {
    const b64 = base64(randomBytes(300, 4));
    await expect(scan(`{"data":[{"b64_json":"QQ==${b64}"}]}`, 3)).rejects.toBeInstanceOf(MalformedAnswer);
  });

  it("refuses an answer with a huge non-image part", async () => {
    await expect(scan(`{"junk":"${"x".repeat(300 * 1024)}"}`, 4096)).rejects.toBeInstanceOf(MalformedAnswer);
  });
});
