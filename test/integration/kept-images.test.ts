import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { keptImages, KeptImages } from "../../src/jobs/kept-images";
import { jobStub } from "../../src/jobs/job-stub";
import type { JobRecord } from "../../src/jobs/record";
import { imagesResponse, type Kept } from "../../src/surfaces/openai/images-body";
import { createJob, runToEnd, sha256Hex } from "../helpers/api";
import { activeModel, jobBody } from "../helpers/models";

// A JobDO keeps the bytes of an image it has just stored while a request waits for an answer made of them (the
// OpenAI surface's), and hands them over with the ended job (waitForAnswer, waitForNews): no read back from R2, no
// hop of their own. An image it does not keep (no one waiting, too large, let go) comes from R2.

const answerOf = async (rec: JobRecord, kept: Kept): Promise<{ data: { b64_json: string }[] }> => {
  let text = "";
  for await (const chunk of imagesResponse(env, rec, "b64_json", kept)) text += chunk;
  return JSON.parse(text) as { data: { b64_json: string }[] };
};

const newJob = (label: string): Promise<string> => createJob(jobBody(activeModel(["sandbox"]), { prompt: `${label} ${crypto.randomUUID()}` }));

describe("the images a JobDO keeps for its answer", () => {
  it("are the bytes R2 holds, handed over once with the ended job, and the answer is made of them", async () => {
    const jobId = await newJob("kept");
    const waiting = jobStub(env, jobId).waitForAnswer(30_000);
    const rec = await runToEnd(jobId);
    const { job, kept } = await waiting;
    expect(job?.status).toBe("COMPLETED");
    const file = rec.files[0]!;
    expect(kept.map(([key]) => key)).toEqual([file.key]);
    expect(await sha256Hex(kept[0]![1])).toBe(file.sha256);
    // Handed over, so let go: a second wait gets none.
    expect((await jobStub(env, jobId).waitForAnswer(0)).kept).toEqual([]);
    // R2's copy is gone: only the kept bytes can make this answer.
    await env.FILES.delete(file.key);
    const answer = await answerOf(rec, new Map(kept));
    expect(await sha256Hex(Uint8Array.fromBase64(answer.data[0]!.b64_json))).toBe(file.sha256);
  });

  it("are handed over to a stream's wait too", async () => {
    const jobId = await newJob("kept for a stream");
    const waiting = jobStub(env, jobId).waitForNews(30_000, 0);
    await runToEnd(jobId);
    let news = await waiting;
    // The wait may have woken for a partial image first.
    while (news.job?.status !== "COMPLETED") news = await jobStub(env, jobId).waitForNews(30_000, news.partials.at(-1)?.seq ?? 0);
    expect(news.kept.map(([key]) => key)).toEqual(news.job.files.map((f) => f.key));
  });

  it("are not kept when no one waits for them: the answer comes from R2", async () => {
    const rec = await runToEnd(await newJob("not kept"));
    expect(keptImages.keys()).not.toContain(rec.files[0]!.key);
    const { kept } = await jobStub(env, rec.id).waitForAnswer(0);
    expect(kept).toEqual([]);
    const answer = await answerOf(rec, new Map(kept));
    expect(await sha256Hex(Uint8Array.fromBase64(answer.data[0]!.b64_json))).toBe(rec.files[0]!.sha256);
  });

  it("are handed over only with a completed job", async () => {
    const jobId = await newJob("queued");
    const key = `jobs/${jobId}/0.png`;
    keptImages.keep(key, new Uint8Array([1, 2, 3]));
    const { job, kept } = await jobStub(env, jobId).waitForAnswer(0);
    expect(job?.status).toBe("QUEUED");
    expect(kept).toEqual([]);
    expect(keptImages.keys()).toContain(key);
    keptImages.take([key]);
  });
});

describe("KeptImages", () => {
  it("keeps images up to a size, within one budget, the oldest let go first", () => {
    const kept = new KeptImages(1000, 2500);
    kept.keep("big", new Uint8Array(1001));
    for (const key of ["a", "b", "c"]) kept.keep(key, new Uint8Array(1000));
    expect(kept.keys()).toEqual(["b", "c"]);
    kept.keep("d", new Uint8Array(400));
    expect(kept.keys()).toEqual(["b", "c", "d"]);
    // Taking lets go, which makes room again.
    expect(kept.take(["b", "x"]).map(([key]) => key)).toEqual(["b"]);
    kept.keep("e", new Uint8Array(1000));
    expect(kept.keys()).toEqual(["c", "d", "e"]);
  });

  it("keeps a copy of just the image, not the buffer it is a view of", () => {
    const kept = new KeptImages(10, 100);
    const buffer = new Uint8Array(64).fill(7);
    kept.keep("a", buffer.subarray(0, 4));
    buffer.fill(0);
    const [[, bytes]] = kept.take(["a"]) as [[string, Uint8Array]];
    expect(bytes).toEqual(new Uint8Array([7, 7, 7, 7]));
    expect(bytes.buffer.byteLength).toBe(4);
  });
});
