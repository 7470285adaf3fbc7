import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { DEV_ACCOUNT_ID } from "../../src/accounts/keys";
import { storeUpload } from "../../src/files/uploads";
import { imageDimensions } from "../../src/lib/sniff";
import { renderPng } from "../sim/images";
import { tag } from "../sim/testing";
import { api, createJob, sha256Hex } from "../helpers/api";
import { createsOf, driveToEnd, r2Bytes, resetCircuits, simCalls } from "../helpers/upstream";
import { activeModel, pinLifecycle } from "../helpers/models";

// A job's whole life on apiframe through the simulator: create with an Idempotency-Key, poll /v2/jobs/:id, references
// as signed imagegate URLs, the legacy bare-string result, and fan-out above the per-call limit (4 in the tests).

beforeEach(resetCircuits);
// Seed 002 is gpt-image-1.5's: its sample (2:3 at 1024x1536, 9 credits per medium image) and input_fidelity are
// tested here, so that model stays active in this file whatever the date.
pinLifecycle("gpt-image-1.5");

const KEY = { "x-api-key": "afk_simtest_0123456789abcdef" };

async function upstreamShas(upstreamId: string): Promise<string[]> {
  const job = (await (await fetch(`https://api.apiframe.ai/v2/jobs/${upstreamId}`, { headers: KEY })).json()) as { result: { images: string[] } | string };
  const urls = typeof job.result === "string" ? [job.result] : job.result.images;
  return Promise.all(urls.map(async (url) => sha256Hex(await (await fetch(url)).arrayBuffer())));
}

describe("apiframe", () => {
  it("creates with a stable Idempotency-Key, polls and copies the images", async () => {
    const t = tag();
    const jobId = await createJob({
      prompt: `apiframe life ${t}`,
      model: "gpt-image-1.5",
      provider: "apiframe",
      gptImageParams: { quality: "medium", aspect_ratio: "2:3", number_of_images: 2, output_format: "png" },
    });
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "apiframe", errorCode: null });
    const creates = await createsOf(t, "apiframe");
    expect(creates).toHaveLength(1);
    expect(creates[0]).toMatchObject({ status: 202, idempotencyKey: `imagegate-${jobId}-1`, inputs: [] });
    const upstreamId = creates[0]!.jobId!;
    const polls = (await simCalls(t, "&provider=apiframe&kind=api")).filter((c) => c.method === "GET");
    expect(polls.length).toBeGreaterThanOrEqual(1);
    expect(polls.every((c) => c.path === `/v2/jobs/${upstreamId}`)).toBe(true);
    expect(await simCalls(t, "&provider=apiframe&kind=image")).toHaveLength(2);
    const served = await upstreamShas(upstreamId);
    expect(rec.files.map((f) => f.sha256)).toEqual(served);
    for (const file of rec.files) {
      const bytes = await r2Bytes(file.key);
      expect(imageDimensions(bytes)).toEqual({ width: 1024, height: 1536 });
      expect(await sha256Hex(bytes)).toBe(file.sha256);
    }
    // apiframe reports its credit cost when the job completes: 9 credits per medium image.
    expect(rec.attempts).toEqual([
      expect.objectContaining({ provider: "apiframe", outcome: "accepted", attempt: 1, upstreamId }),
      expect.objectContaining({ provider: "apiframe", outcome: "completed", attempt: 1, upstreamId, cost: { creditCost: 18 } }),
    ]);
  });

  it("reads the legacy result shape (a bare URL string)", async () => {
    const t = tag();
    const jobId = await createJob({ prompt: `apiframe [legacy-result] ${t}`, model: activeModel(["apiframe"]).id, provider: "apiframe" });
    const rec = await driveToEnd(jobId, t);
    expect(rec.status).toBe("COMPLETED");
    expect(rec.files).toHaveLength(1);
  });

  it("sends references as signed imagegate URLs only: uploads as they are, URL references copied into R2 first", async () => {
    const t = tag();
    const png = await renderPng(1024, 1024, `ref ${t}`);
    const upload = await storeUpload(env.FILES, DEV_ACCOUNT_ID, new Response(png).body!, Date.now());
    const source = (await (
      await fetch("https://cloud.leonardo.ai/api/rest/v2/generations", {
        method: "POST",
        headers: { authorization: `Bearer ${env.LEONARDO_API_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ model: activeModel(["leonardo"]).leonardoId, parameters: { prompt: `source ${t}`, quantity: 1 } }),
      })
    ).json()) as { generate: { generationId: string } };
    await fetch("https://sim.test/_sim/advance", { method: "POST", body: JSON.stringify({ ms: 60_000, id: source.generate.generationId }) });
    const generation = (await (
      await fetch(`https://cloud.leonardo.ai/api/rest/v1/generations/${source.generate.generationId}`, { headers: { authorization: `Bearer ${env.LEONARDO_API_KEY}` } })
    ).json()) as { generations_by_pk: { generated_images: { url: string }[] } };
    const userUrl = generation.generations_by_pk.generated_images[0]!.url;

    const jobId = await createJob({
      prompt: `apiframe refs ${t}`,
      model: "gpt-image-1.5",
      provider: "apiframe",
      gptImageParams: { input_images: [upload.id, userUrl], input_fidelity: "high" },
    });
    const rec = await driveToEnd(jobId, t);
    expect(rec.status, rec.error ?? "").toBe("COMPLETED");
    const [create] = await createsOf(t, "apiframe");
    expect(create!.inputs).toHaveLength(2);
    expect(create!.inputs).not.toContain(userUrl);
    const copied = rec.spec.references[1]!;
    expect(copied.kind).toBe("upload");
    const keys = [`uploads/${upload.id}.png`, `uploads/${(copied as { id: string }).id}.png`];
    for (const [i, url] of create!.inputs!.entries()) {
      const u = new URL(url);
      expect(u.origin).toBe("https://imagegate.test");
      expect(u.pathname).toBe(`/v2/files/${keys[i]}`);
      expect(u.searchParams.get("sig")).toMatch(/^[0-9a-f]{64}$/);
      // apiframe can fetch it without a key: the signed URL serves the reference's bytes.
      const served = await api(u.pathname + u.search, { key: null });
      expect(served.status).toBe(200);
      expect(await sha256Hex(await served.arrayBuffer())).toBe(await sha256Hex(await r2Bytes(keys[i]!)));
    }
  });

  it("fans 6 images out into two calls of 3 with distinct Idempotency-Keys, gathered in order", async () => {
    const t = tag();
    const jobId = await createJob({ prompt: `apiframe fan-out ${t}`, model: "gpt-image-2", provider: "apiframe", gptImage2Params: { number_of_images: 6, quality: "low" } });
    const rec = await driveToEnd(jobId, t);
    expect(rec.status).toBe("COMPLETED");
    const creates = await createsOf(t, "apiframe");
    expect(creates.map((c) => c.idempotencyKey).sort()).toEqual([`imagegate-${jobId}-1`, `imagegate-${jobId}-2`]);
    const accepted = rec.attempts.filter((a) => a.outcome === "accepted").sort((a, b) => a.part! - b.part!);
    // Gathered in order: files 0-2 are part 0's images, 3-5 part 1's (both parts render the same prompt, so the
    // order shows in which upstream job each download came from).
    const downloads = (await simCalls(t, "&provider=apiframe&kind=image")).map((c) => c.path);
    const [p0, p1] = [accepted[0]!.upstreamId!, accepted[1]!.upstreamId!];
    expect(downloads).toEqual([`/images/${p0}-1.png`, `/images/${p0}-2.png`, `/images/${p0}-3.png`, `/images/${p1}-1.png`, `/images/${p1}-2.png`, `/images/${p1}-3.png`]);
    const served = [...(await upstreamShas(accepted[0]!.upstreamId!)), ...(await upstreamShas(accepted[1]!.upstreamId!))];
    expect(served).toHaveLength(6);
    expect(rec.files.map((f) => f.sha256)).toEqual(served);
    expect(rec.files.map((f) => f.key)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `jobs/${jobId}/${i}.png`));
  });
});
