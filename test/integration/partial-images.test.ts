import { env, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { DEV_ACCOUNT_ID } from "../../src/accounts/keys";
import { storeUpload } from "../../src/files/uploads";
import { jobStub } from "../../src/jobs/job-stub";
import { PartialImages, type PartialImage } from "../../src/jobs/partials";
import { imageDimensions } from "../../src/lib/sniff";
import { renderPng } from "../sim/images";
import { pngScanlines, tag } from "../sim/testing";
import { createJob, elapse, fireAlarm, jobStubOf, patchJob, sha256Hex, storedJob } from "../helpers/api";
import { createsOf, driveToEnd, faultedJob, outcomes, r2Bytes, resetCircuits } from "../helpers/upstream";

// Partial renders (OpenAI's partial_images) reach the job: from OpenAI's event stream, decoded straight into R2, and
// from the sandbox as its latency passes; the JobDO lists them in order and wakes whoever waits for news. The /v1
// stream that sends them on is tested with the openai SDK in openai-surface.test.ts.

beforeEach(resetCircuits);

/** A native job made to want partial renders (the native dialect has no such field; /v1 sets it). */
async function jobWithPartials(body: Record<string, unknown>, partialImages: number): Promise<string> {
  const jobId = await createJob(body);
  await patchJob(jobId, (rec) => ({ ...rec, spec: { ...rec.spec, partialImages } }));
  return jobId;
}

/** Compares images by their pixels: deflate's chunking (hence the PNG's bytes) varies from one render to the next. */
const pixelsSha = async (png: Uint8Array): Promise<string> => sha256Hex(await pngScanlines(png));

const partialsOf = async (jobId: string): Promise<PartialImage[]> => (await jobStub(env, jobId).waitForNews(0, 0)).partials;

describe("from OpenAI's event stream", () => {
  it("stores each image's partials in order, then the images, with the usage of every completed event", async () => {
    const t = tag();
    const prompt = `openai partials ${t}`;
    const jobId = await jobWithPartials({ prompt, model: "gpt-image-2", provider: "openai", gptImage2Params: { number_of_images: 2, quality: "low", aspect_ratio: "16:9" } }, 2);
    const rec = await driveToEnd(jobId, t);
    expect(rec.status, rec.error ?? "").toBe("COMPLETED");
    expect(await createsOf(t, "openai")).toHaveLength(1);
    const [w, h] = [1376, 768];
    const partials = await partialsOf(jobId);
    expect(partials.map((p) => [p.seq, p.index, p.partialIndex])).toEqual([[1, 0, 0], [2, 0, 1], [3, 1, 0], [4, 1, 1]]);
    for (const p of partials) {
      // The simulator's partial p of image i is its image drawn in 2^(6-p)-pixel blocks: those pixels arrived.
      const expected = await renderPng(w, h, `${prompt}#${p.index}`, { block: 2 ** (6 - p.partialIndex) });
      const stored = await r2Bytes(p.file.key);
      expect(p.file.key).toBe(`jobs/${jobId}/partials/${p.index}-${p.partialIndex}.png`);
      expect(p.file.sha256).toBe(await sha256Hex(stored));
      expect(await pixelsSha(stored)).toBe(await pixelsSha(expected));
    }
    for (const [i, file] of rec.files.entries()) {
      expect(await pixelsSha(await r2Bytes(file.key))).toBe(await pixelsSha(await renderPng(w, h, `${prompt}#${i}`)));
    }
    expect(await pixelsSha(await r2Bytes(partials[0]!.file.key))).not.toBe(await pixelsSha(await r2Bytes(rec.files[0]!.key)));
    const usage = rec.attempts.find((a) => a.outcome === "completed")!.cost!.usage!;
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(usage.totalTokens).toBe(usage.inputTokens + usage.outputTokens);
  });

  it("streams edits too (image_edit events), sending the references as multipart files", async () => {
    const t = tag();
    const ref = (await storeUpload(env.FILES, DEV_ACCOUNT_ID, new Response(await renderPng(512, 512, `ref ${t}`)).body!, Date.now())).id;
    const jobId = await jobWithPartials({ prompt: `openai edit partials ${t}`, model: "gpt-image-2", provider: "openai", gptImage2Params: { input_images: [ref] } }, 3);
    const rec = await driveToEnd(jobId, t);
    expect(rec.status, rec.error ?? "").toBe("COMPLETED");
    expect((await createsOf(t, "openai"))[0]).toMatchObject({ path: "/v1/images/edits", inputs: ["png"] });
    const partials = await partialsOf(jobId);
    expect(partials.map((p) => p.partialIndex)).toEqual([0, 1, 2]);
    for (const p of partials) expect(imageDimensions(await r2Bytes(p.file.key))).toEqual({ width: 1024, height: 1024 });
  });

  it("reads a JSON answer by its content type (here a broken one): an unknown outcome, never re-sent, then the fallback", async () => {
    const { t, jobId } = await faultedJob("openai", ["openai", "sandbox"], { fault: "malformed" });
    await patchJob(jobId, (rec) => ({ ...rec, spec: { ...rec.spec, partialImages: 2 } }));
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "sandbox" });
    expect(outcomes(rec)[0]).toBe("openai:unknown");
    expect(rec.attempts[0]!.detail).toMatch(/broken answer/);
    expect(await createsOf(t, "openai")).toHaveLength(1);
  });

  it("cuts off a stream that outlasts the call's time limit (4 s in the tests): unknown outcome, then the fallback", async () => {
    // Three partials over 12 s: the first arrives at 3 s (the answer has begun), the next would at 6 s.
    const { t, jobId } = await faultedJob("openai", ["openai", "sandbox"], { fault: "latency", latencyMs: 12_000 });
    await patchJob(jobId, (rec) => ({ ...rec, spec: { ...rec.spec, partialImages: 3 } }));
    const rec = await driveToEnd(jobId, t);
    expect(rec).toMatchObject({ status: "COMPLETED", provider: "sandbox" });
    expect(outcomes(rec)[0]).toBe("openai:unknown");
    expect(rec.attempts[0]!.detail).toMatch(/broke off/); // its body was cut, not its headers
    expect(rec.attempts[0]!.ms).toBeLessThan(6_000);
    // OpenAI's first partial is kept; the sandbox adds the two it lacks.
    const partials = await partialsOf(jobId);
    expect(partials.map((p) => p.partialIndex)).toEqual([0, 1, 2]);
    const first = await r2Bytes(partials[0]!.file.key);
    const { width, height } = imageDimensions(first)!;
    expect(await pixelsSha(first)).toBe(await pixelsSha(await renderPng(width, height, `fault openai ${t}#0`, { block: 64 })));
  });

  it("fails a refused streamed request at once with errorCode moderated", async () => {
    const { t, jobId } = await faultedJob("openai", ["openai", "sandbox"], { fault: "moderated" });
    await patchJob(jobId, (rec) => ({ ...rec, spec: { ...rec.spec, partialImages: 1 } }));
    expect(await driveToEnd(jobId, t)).toMatchObject({ status: "FAILED", errorCode: "moderated" });
    expect(await partialsOf(jobId)).toEqual([]);
  });

  it("without partials asked for, reads the plain JSON answer and stores none", async () => {
    const t = tag();
    const jobId = await createJob({ prompt: `openai no partials ${t}`, model: "gpt-image-2", provider: "openai" });
    expect((await driveToEnd(jobId, t)).status).toBe("COMPLETED");
    expect(await partialsOf(jobId)).toEqual([]);
  });
});

describe("from the sandbox", () => {
  it("sends each partial once its share of the latency has passed, and wakes a waiter at once", async () => {
    const jobId = await jobWithPartials({ prompt: `sandbox partials ${tag()}`, model: "gpt-image-2", gptImage2Params: { number_of_images: 2 } }, 1);
    await fireAlarm(jobId); // created upstream; nothing is due yet
    expect(await partialsOf(jobId)).toEqual([]);
    const started = Date.now();
    const news = jobStub(env, jobId).waitForNews(30_000, 0);
    await elapse(jobId, 600); // past half the latency (1000 ms in the tests): partial 0 of 1 is due
    await fireAlarm(jobId);
    const { job, partials } = await news;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(job!.status).toBe("PROCESSING");
    expect(partials.map((p) => [p.seq, p.index, p.partialIndex])).toEqual([[1, 0, 0]]); // woken by the first
    expect((await partialsOf(jobId)).map((p) => [p.index, p.partialIndex])).toEqual([[0, 0], [1, 0]]);
    // Later polls offer the same partial again; the job keeps the first.
    await elapse(jobId, 100);
    await fireAlarm(jobId);
    expect(await partialsOf(jobId)).toHaveLength(2);
    expect((await jobStub(env, jobId).waitForNews(0, 2)).partials).toEqual([]);
  });

  it("sends every partial still due when the image is done before a poll saw them", async () => {
    const jobId = await jobWithPartials({ prompt: `sandbox late partials ${tag()}`, model: "gpt-image-2" }, 3);
    await fireAlarm(jobId);
    await elapse(jobId, 5000);
    await fireAlarm(jobId);
    expect((await storedJob(jobId)).status).toBe("COMPLETED");
    expect((await partialsOf(jobId)).map((p) => p.partialIndex)).toEqual([0, 1, 2]);
  });
});

describe("the job's list of partials", () => {
  it("keeps one per image and number, in arrival order, and skips one it cannot store without failing", async () => {
    const jobId = await createJob({ prompt: `partials list ${tag()}`, model: "gpt-image-2" });
    const rec = await storedJob(jobId);
    const bytes = await renderPng(64, 64, "partial");
    const png = () => new Response(bytes).body!;
    const added = await runInDurableObject(jobStubOf(jobId), async (_o, state) => {
      const list = new PartialImages(env, state.storage);
      const results = await Promise.all([list.add(rec, 1, 0, png()), list.add(rec, 0, 0, png())]);
      results.push(await list.add(rec, 1, 0, png()));
      results.push(await list.add(rec, 0, 1, new Response("not an image").body!));
      return { results, listed: await list.after(0), after1: await list.after(1) };
    });
    expect(added.results).toEqual([true, true, false, false]);
    expect(added.listed.map((p) => p.seq)).toEqual([1, 2]);
    expect(new Set(added.listed.map((p) => `${p.index}-${p.partialIndex}`))).toEqual(new Set(["1-0", "0-0"]));
    expect(added.after1).toEqual([added.listed[1]]);
  });
});
