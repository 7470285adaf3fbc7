import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { DEV_ACCOUNT_ID } from "../../src/accounts/keys";
import { storeUpload } from "../../src/files/uploads";
import { imageDimensions } from "../../src/lib/sniff";
import { renderPng } from "../sim/images";
import { fromBase64, tag } from "../sim/testing";
import { createJob, sha256Hex } from "../helpers/api";
import { activeModel, jobBody } from "../helpers/models";
import { createsOf, driveToEnd, r2Bytes, resetCircuits } from "../helpers/upstream";

// A job's whole life on OpenAI through the simulator: one synchronous call whose base64 images are decoded as a stream
// straight into R2, edits (multipart) for references, and fan-out above the per-call limit (4 in the tests).

beforeEach(resetCircuits);

/** The images OpenAI answers for this body, decoded here (the simulator renders deterministically). */
async function upstreamShas(body: Record<string, unknown>): Promise<string[]> {
  const res = await fetch("https://api.openai.com/v1/images/generations", {
    method: "POST",
    headers: { authorization: `Bearer ${env.OPENAI_API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const { data } = (await res.json()) as { data: { b64_json: string }[] };
  return Promise.all(data.map((d) => sha256Hex(fromBase64(d.b64_json))));
}

describe("openai", () => {
  it("generates synchronously and stores the decoded images, with the token usage on the attempt", async () => {
    const t = tag();
    const prompt = `openai life ${t}`;
    const model = activeModel(["openai"]);
    const size = model.presets["2:3"]!;
    const jobId = await createJob(
      jobBody(model, { prompt, provider: "openai" }, { quality: "low", aspect_ratio: "2:3", number_of_images: 2, output_format: "png", background: "transparent" }),
    );
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "openai", errorCode: null });
    const creates = await createsOf(t, "openai");
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatchObject({ path: "/v1/images/generations", status: 200, inputs: [] });
    expect(rec.attempts).toEqual([
      expect.objectContaining({
        provider: "openai",
        outcome: "completed",
        attempt: 1,
        part: 0,
        cost: { usage: { inputTokens: expect.any(Number), inputImageTokens: expect.any(Number), outputTokens: expect.any(Number), totalTokens: expect.any(Number) } },
      }),
    ]);
    const served = await upstreamShas({ model: model.id, prompt, n: 2, size: `${size.width}x${size.height}`, quality: "low", background: "transparent", output_format: "png" });
    expect(rec.files.map((f) => f.sha256)).toEqual(served);
    for (const [i, file] of rec.files.entries()) {
      const bytes = await r2Bytes(file.key);
      expect(file.key).toBe(`jobs/${jobId}/${i}.png`);
      expect(imageDimensions(bytes)).toEqual(size);
      expect(bytes[25]).toBe(6); // RGBA: the transparent background reached OpenAI
      expect(await sha256Hex(bytes)).toBe(file.sha256);
    }
  });

  it("sends references to /images/edits as multipart image files", async () => {
    const t = tag();
    const refs = await Promise.all(
      [0, 1].map(async (i) => (await storeUpload(env.FILES, DEV_ACCOUNT_ID, new Response(await renderPng(1024, 1024, `ref ${t} ${i}`)).body!, Date.now())).id),
    );
    const prompt = `openai edit ${t}`;
    const jobId = await createJob({ prompt, model: "gpt-image-2", provider: "openai", gptImage2Params: { input_images: refs, aspect_ratio: "16:9" } });
    const rec = await driveToEnd(jobId, t);
    expect(rec.status, rec.error ?? "").toBe("COMPLETED");
    const [create] = await createsOf(t, "openai");
    expect(create).toMatchObject({ path: "/v1/images/edits", status: 200, inputs: ["png", "png"] });
    // The simulator counts 323 input tokens per image file it received, on top of the prompt's.
    const usage = rec.attempts[0]!.cost!.usage!;
    expect(usage.inputTokens - Math.ceil(prompt.length / 4)).toBe(2 * 323);
    expect(imageDimensions(await r2Bytes(rec.files[0]!.key))).toEqual({ width: 1376, height: 768 });
  });

  it("fans 6 images out into two calls of 3 and stores each part's images at its own indexes", async () => {
    const t = tag();
    const prompt = `openai fan-out ${t}`;
    const jobId = await createJob({ prompt, model: "gpt-image-2", provider: "openai", gptImage2Params: { number_of_images: 6, quality: "low", output_format: "png" } });
    const rec = await driveToEnd(jobId, t);
    expect(rec.status).toBe("COMPLETED");
    expect(await createsOf(t, "openai")).toHaveLength(2);
    expect(rec.attempts.map((a) => [a.outcome, a.part, a.attempt]).sort()).toEqual([["completed", 0, 1], ["completed", 1, 2]]);
    const served = await upstreamShas({ model: "gpt-image-2", prompt, n: 3, size: "1024x1024", quality: "low", background: "auto", output_format: "png" });
    expect(rec.files.map((f) => f.sha256)).toEqual([...served, ...served]);
    expect(rec.files.map((f) => f.key)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `jobs/${jobId}/${i}.png`));
    for (const file of rec.files) expect(await sha256Hex(await r2Bytes(file.key))).toBe(file.sha256);
  });
});
