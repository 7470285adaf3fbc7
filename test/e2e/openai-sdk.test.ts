import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { decodeGif } from "../helpers/gif.ts";
import type { LiveModel } from "../harness/catalogue.ts";
import { startGateway, type Gateway } from "./gateway.ts";
import { chooseFormatModel, chooseModel, takesSize } from "./models.ts";

// The OpenAI SDK, unchanged but for its base URL and key, against a real `wrangler dev` gateway with the sandbox: real
// alarms and real time (the sandbox takes 1.5 s), nothing driven by the test.

let gw: Gateway;
let client: OpenAI;

before(async () => {
  gw = await startGateway();
  client = new OpenAI({ baseURL: `${gw.origin}/v1`, apiKey: gw.devKey, maxRetries: 0 });
});
after(async () => {
  await gw?.stop();
});

/** Width and height of a base64 PNG, from its IHDR; throws when it is not one. */
function sizeOf(b64: string): { width: number; height: number } {
  const bytes = Buffer.from(b64, "base64");
  assert.ok(bytes.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10])), "not a PNG");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** The first model the sandbox serves at xhigh quality with gif output (a GPT Image 2.6 model today). */
const xhighGifModel = (): Promise<LiveModel> =>
  chooseFormatModel(gw.origin, "gif", (m) => m.qualities.includes("xhigh") && m.gif !== null && m.sizes.custom !== null);

describe("the openai SDK against npm start's gateway", () => {
  it("generates a decodable image of the requested size", async () => {
    const model = await chooseModel(gw.origin, "that takes 1536x1024", (m) => takesSize(m, 1536, 1024));
    const result = await client.images.generate({ model: model.id, prompt: "A fox reading a book", size: "1536x1024", quality: "low" });
    assert.equal(result.data?.length, 1);
    assert.deepEqual(sizeOf(result.data![0]!.b64_json!), { width: 1536, height: 1024 });
    assert.equal(result.size, "1536x1024");
  });

  it("streams partial images while the job runs, and ends with image_generation.completed", async () => {
    const model = await chooseModel(gw.origin, "that takes 1024x1024", (m) => takesSize(m, 1024, 1024));
    const started = Date.now();
    const stream = await client.images.generate({ model: model.id, prompt: "A fox, streamed", size: "1024x1024", stream: true, partial_images: 2 });
    const seen: { type: string; index: number | null; at: number }[] = [];
    for await (const event of stream) {
      sizeOf(event.b64_json);
      seen.push({ type: event.type, index: event.type === "image_generation.partial_image" ? event.partial_image_index : null, at: Date.now() - started });
    }
    assert.deepEqual(
      seen.map((e) => [e.type, e.index]),
      [["image_generation.partial_image", 0], ["image_generation.partial_image", 1], ["image_generation.completed", null]],
    );
    // The first partial came while the job was still running (due at a third of its 1.5 s), not with the image.
    assert.ok(seen[2]!.at - seen[0]!.at > 100, `partial at ${seen[0]!.at} ms, image at ${seen[2]!.at} ms`);
  });

  it("generates at quality xhigh on a model that has it", async () => {
    const model = await xhighGifModel();
    const result = await client.images.generate({ model: model.id, prompt: "A fox, in great detail", size: "1024x1024", quality: "xhigh" });
    assert.equal(result.data?.length, 1);
    assert.deepEqual(sizeOf(result.data![0]!.b64_json!), { width: 1024, height: 1024 });
    assert.equal(result.quality, "xhigh");
  });

  it("makes a gif with frame_count frames, as base64", async () => {
    const model = await xhighGifModel();
    // 768x768 with 4 frames: the frames' 3x3 sheet (2304x2304) is within the size rules.
    const result = await client.images.generate({
      model: model.id,
      prompt: "A paper boat on waves",
      size: "768x768",
      quality: "low",
      output_format: "gif",
      frame_count: 4,
      frame_duration_ms: 150,
      complexity: "low",
    });
    assert.equal(result.data?.length, 1);
    assert.equal(result.output_format, "gif");
    const gif = decodeGif(Buffer.from(result.data![0]!.b64_json!, "base64"));
    assert.equal(gif.version, "GIF89a");
    assert.deepEqual([gif.width, gif.height], [768, 768]);
    assert.equal(gif.frames.length, 4);
    assert.deepEqual(gif.frames.map((f) => f.delayMs), [150, 150, 150, 150]);
  });

  it("refuses a streamed gif with a 400 that names stream", async () => {
    const model = await xhighGifModel();
    const err = await client.images
      .generate({ model: model.id, prompt: "p", size: "768x768", output_format: "gif", frame_count: 4, stream: true })
      .catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError, String(err));
    assert.equal(err.status, 400);
    assert.equal(err.param, "stream");
    assert.match(err.message, /\bstream\b/);
  });

  it("answers bad input with the SDK's BadRequestError naming the parameter", async () => {
    const model = await chooseModel(gw.origin, "that refuses 999x999", (m) => !takesSize(m, 999, 999));
    const err = await client.images.generate({ model: model.id, prompt: "p", size: "999x999" }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError);
    assert.equal(err.param, "size");
  });
});
