import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { base64Of } from "../../src/surfaces/openai/images-body";
import { randomBytes } from "../helpers/bytes";

// A stored image base64'd for the OpenAI surface's answer as it is read: whatever the stream's kind and chunking, the
// text is the image's base64, cut only at multiples of three bytes.

/** base64Of's pieces, taken one at a time with a pause after each (a slow client). */
async function slowly(body: ReadableStream<Uint8Array>): Promise<string[]> {
  const pieces: string[] = [];
  for await (const piece of base64Of(body)) {
    pieces.push(piece);
    await new Promise((r) => setTimeout(r, 1));
  }
  return pieces;
}

describe("base64Of", () => {
  it("base64s a stream of odd-sized chunks, each piece a whole number of quads but the last", async () => {
    const bytes = randomBytes(10_000, 3);
    const sizes = [1, 2, 5, 3000, 7, 4096, 1, 2888];
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const size = sizes.shift();
        if (size === undefined) return controller.close();
        controller.enqueue(bytes.slice(at, at + size));
        at += size;
      },
    });
    const pieces = await slowly(body);
    expect(pieces.join("")).toBe(bytes.toBase64());
    expect(pieces.slice(0, -1).every((p) => p.length % 4 === 0 && !p.includes("="))).toBe(true);
  });

  it("reads a byte stream (an R2 object's body) in large reads into one buffer, which no piece still needs", async () => {
    const bytes = randomBytes(1_500_001, 5);
    await env.FILES.put("test/images-body/big.png", bytes);
    const object = (await env.FILES.get("test/images-body/big.png"))!;
    const pieces = await slowly(object.body);
    expect(pieces.join("")).toBe(bytes.toBase64());
    // In reads of 64 KB or more (and the carry): read in 4 KB chunks, as the default reader gives them, it came in 368.
    expect(pieces.length).toBeLessThanOrEqual(Math.ceil(bytes.length / (64 * 1024)) + 1);
    expect((await slowly(new Response(bytes).body!)).join("")).toBe(bytes.toBase64());
  });
});
