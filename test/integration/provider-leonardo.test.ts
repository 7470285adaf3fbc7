import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { DEV_ACCOUNT_ID } from "../../src/accounts/keys";
import { storeUpload } from "../../src/files/uploads";
import { imageDimensions } from "../../src/lib/sniff";
import { renderPng } from "../sim/images";
import { setShutdownDate, tag } from "../sim/testing";
import { api, createJob, sha256Hex } from "../helpers/api";
import { pinLifecycle } from "../helpers/models";
import { createsOf, driveToEnd, r2Bytes, resetCircuits, simCalls, simImageUrl } from "../helpers/upstream";

// A job's whole life on Leonardo through the simulator: create v2, poll v1, the presigned reference upload, fan-out
// above 8 images per call, and the images copied byte for byte into R2.

beforeEach(resetCircuits);
// The first two tests send seed 000's seed and reference strength, rules of gpt-image-1.5 alone: it stays active here.
pinLifecycle("gpt-image-1.5");

/** The bytes Leonardo serves for a generation's images, in order (as the simulator renders them, in Node). */
async function upstreamImages(generationId: string): Promise<string[]> {
  const res = await fetch(`https://cloud.leonardo.ai/api/rest/v1/generations/${generationId}`, { headers: { authorization: `Bearer ${env.LEONARDO_API_KEY}` } });
  const { generations_by_pk } = (await res.json()) as { generations_by_pk: { generated_images: { url: string }[] } };
  return Promise.all(generations_by_pk.generated_images.map(async (image) => sha256Hex(await (await fetch(image.url)).arrayBuffer())));
}

async function referenceUpload(prompt: string): Promise<string> {
  const png = await renderPng(1024, 1024, prompt);
  const upload = await storeUpload(env.FILES, DEV_ACCOUNT_ID, new Response(png).body!, Date.now());
  return upload.id;
}

describe("leonardo", () => {
  it("creates, polls and copies the images (real PNGs, same bytes as served upstream)", async () => {
    const t = tag();
    const prompt = `leonardo life ${t}`;
    // These are gpt-image-1.5's rules at Leonardo: the simulated Leonardo keeps serving it for this test's prompts.
    await setShutdownDate("leonardo", "gpt-image-1.5", null, t);
    const jobId = await createJob({
      prompt,
      model: "gpt-image-1.5",
      provider: "leonardo",
      gptImageParams: { quality: "low", aspect_ratio: "3:2", number_of_images: 2, seed: 7, output_format: "png" },
    });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "leonardo", error: null, errorCode: null });
    expect(rec.files).toHaveLength(2);
    const creates = await createsOf(t, "leonardo");
    expect(await simCalls(t, "&provider=leonardo&kind=image")).toHaveLength(2);
    const served = await upstreamImages(creates[0]!.jobId!);
    for (const [i, file] of rec.files.entries()) {
      const bytes = await r2Bytes(file.key);
      expect(file.key).toBe(`jobs/${jobId}/${i}.png`);
      expect(imageDimensions(bytes)).toEqual({ width: 1536, height: 1024 });
      expect(await sha256Hex(bytes)).toBe(served[i]);
      expect(file.sha256).toBe(served[i]);
    }
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatchObject({ status: 200, idempotencyKey: null, inputs: [] });
    const polls = (await simCalls(t, "&provider=leonardo&kind=api")).filter((c) => c.method === "GET");
    expect(polls.length).toBeGreaterThanOrEqual(1);
    expect(polls.every((c) => c.path === `/api/rest/v1/generations/${creates[0]!.jobId}`)).toBe(true);
    expect(rec.attempts).toEqual([
      expect.objectContaining({ provider: "leonardo", outcome: "accepted", attempt: 1, part: 0, upstreamId: creates[0]!.jobId, cost: { apiCreditCost: 24 } }),
      expect.objectContaining({ provider: "leonardo", outcome: "completed", attempt: 1, part: 0, upstreamId: creates[0]!.jobId }),
    ]);
    const view = (await (await api(`/v2/jobs/${jobId}`)).json()) as { attempts: Record<string, unknown>[] };
    expect(view.attempts[0]).toEqual({ provider: "leonardo", outcome: "accepted", ms: expect.any(Number), upstreamId: creates[0]!.jobId });
  });

  it("uploads references in two steps and names them UPLOADED, including a URL reference copied into R2 first", async () => {
    const t = tag();
    const uploadId = await referenceUpload(`ref ${t}`);
    const url = await simImageUrl(`source ${t}`);

    await setShutdownDate("leonardo", "gpt-image-1.5", null, t);
    const jobId = await createJob({
      prompt: `leonardo refs ${t}`,
      model: "gpt-image-1.5",
      provider: "leonardo",
      gptImageParams: { input_images: [uploadId, url], reference_strength: "HIGH" },
    });
    const rec = await driveToEnd(jobId, t);
    expect(rec.status, rec.error ?? "").toBe("COMPLETED");
    // The simulator accepts only ids uploaded (204) by the same key: UPLOADED ids prove both steps ran.
    const [create] = await createsOf(t, "leonardo");
    expect(create!.inputs).toHaveLength(2);
    expect(create!.inputs!.every((i) => /^UPLOADED:[0-9a-f-]{36}$/.test(i))).toBe(true);
    // The URL reference became an imagegate upload; the job's spec names only imagegate-held images.
    expect(rec.spec.references.map((r) => r.kind)).toEqual(["upload", "upload"]);
    expect(rec.spec.references[0]).toEqual({ kind: "upload", id: uploadId });
  });

  it("fans 10 images out into two parallel calls of 5 (Leonardo takes at most 8) and keeps their order", async () => {
    const t = tag();
    const prompt = `leonardo fan-out ${t}`;
    const jobId = await createJob({ prompt, model: "gpt-image-2", provider: "leonardo", gptImage2Params: { number_of_images: 10, quality: "low" } });
    const rec = await driveToEnd(jobId, t);
    expect(rec.status).toBe("COMPLETED");
    expect(rec.files).toHaveLength(10);
    const creates = await createsOf(t, "leonardo");
    expect(creates).toHaveLength(2);
    const accepted = rec.attempts.filter((a) => a.outcome === "accepted");
    expect(accepted.map((a) => [a.part, a.attempt])).toEqual([[0, 1], [1, 2]]);
    // Images 0-4 come from part 0's generation, 5-9 from part 1's, in that order (downloaded in file order).
    const downloads = (await simCalls(t, "&provider=leonardo&kind=image")).map((c) => c.jobId);
    expect(downloads).toEqual([...Array(5).fill(accepted[0]!.upstreamId), ...Array(5).fill(accepted[1]!.upstreamId)]);
    const served = [...(await upstreamImages(accepted[0]!.upstreamId!)), ...(await upstreamImages(accepted[1]!.upstreamId!))];
    expect(rec.files.map((f) => f.sha256)).toEqual(served);
    for (const file of rec.files) expect(await sha256Hex(await r2Bytes(file.key))).toBe(file.sha256);
  });
});
