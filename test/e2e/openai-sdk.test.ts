import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI from "openai";
import { pngSize } from "../../src/lib/png.ts";
import { startGateway, type Gateway } from "./gateway.ts";
import { chooseModel, takesSize } from "./models.ts";

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

/** Width and height of a base64 PNG; throws when it is not one. */
function sizeOf(b64: string): { width: number; height: number } {
  const size = pngSize(Buffer.from(b64, "base64"));
  assert.ok(size, "not a PNG");
  return size;
}

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

  it("answers bad input with the SDK's BadRequestError naming the parameter", async () => {
    const model = await chooseModel(gw.origin, "that refuses 999x999", (m) => !takesSize(m, 999, 999));
    const err = await client.images.generate({ model: model.id, prompt: "p", size: "999x999" }).catch((e: unknown) => e);
    assert.ok(err instanceof OpenAI.BadRequestError);
    assert.equal(err.param, "size");
  });
});
