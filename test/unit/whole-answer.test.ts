import { describe, expect, it } from "vitest";
import { MalformedAnswer } from "../../src/lib/streams/malformed";
import { WHOLE_ANSWER_BYTES, readImagesAnswer } from "../../src/providers/openai/whole-answer";

// An OpenAI answer of known small length is read whole; a larger or unannounced one is scanned as a stream. Both give
// the same skeleton and the same images.

const bodyOf = (text: string) => new Blob([text]).stream();

async function read(text: string, length: number | null): Promise<{ skeleton: unknown; images: Uint8Array[] }> {
  const images: Uint8Array[] = [];
  const skeleton = await readImagesAnswer(bodyOf(text), length, async (index, bytes) => {
    images[index] = new Uint8Array(await new Response(bytes).arrayBuffer());
  });
  return { skeleton, images };
}

describe("readImagesAnswer", () => {
  const a = crypto.getRandomValues(new Uint8Array(3001));
  const b = crypto.getRandomValues(new Uint8Array(17));
  const text = JSON.stringify({ created: 1, data: [{ b64_json: a.toBase64() }, { b64_json: b.toBase64() }], usage: { input_tokens: 3 } });

  it("gives the same skeleton and images read whole as scanned", async () => {
    const whole = await read(text, text.length);
    const scanned = await read(text, null);
    expect(whole).toEqual(scanned);
    expect(whole.skeleton).toEqual({ created: 1, data: [{ b64_json: "" }, { b64_json: "" }], usage: { input_tokens: 3 } });
    expect(whole.images).toEqual([a, b]);
    expect(await read(text, WHOLE_ANSWER_BYTES + 1)).toEqual(scanned);
  });

  it("refuses what is not JSON, or base64 that is not, as a malformed answer", async () => {
    await expect(read('{"data": [', 10)).rejects.toBeInstanceOf(MalformedAnswer);
    await expect(read('{"data":[{"b64_json":"ab$d"}]}', 30)).rejects.toThrow("a b64_json value is not base64");
  });
});
