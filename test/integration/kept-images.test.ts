import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { JobDO } from "../../src/jobs/job-do";
import type { JobRecord } from "../../src/jobs/record";
import { imagesResponse } from "../../src/surfaces/openai/images-body";
import { createJob, jobStubOf, runToEnd, sha256Hex } from "../helpers/api";
import { activeModel, jobBody } from "../helpers/models";

// The JobDO keeps the bytes of a small image it has just stored, so that the waiting OpenAI-style answer is made from
// them instead of a read back from R2; an image it no longer keeps (a restarted object, a large image) comes from R2.

const answerOf = async (rec: JobRecord): Promise<{ data: { b64_json: string }[] }> => {
  let text = "";
  for await (const chunk of imagesResponse(env, rec, "b64_json")) text += chunk;
  return JSON.parse(text) as { data: { b64_json: string }[] };
};

const completed = async (label: string): Promise<JobRecord> => {
  const jobId = await createJob(jobBody(activeModel(["sandbox"]), { prompt: `${label} ${crypto.randomUUID()}` }));
  const rec = await runToEnd(jobId);
  expect(rec.status).toBe("COMPLETED");
  return rec;
};

describe("the images a JobDO keeps for its answer", () => {
  it("are the bytes R2 holds, and the answer is made of them", async () => {
    const rec = await completed("kept");
    const file = rec.files[0]!;
    const kept = await jobStubOf(rec.id).keptImage(file.key);
    expect(kept).not.toBeNull();
    expect(await sha256Hex(kept!)).toBe(file.sha256);
    // R2's copy is gone: only the kept bytes can make this answer.
    await env.FILES.delete(file.key);
    const answer = await answerOf(rec);
    expect(await sha256Hex(Uint8Array.fromBase64(answer.data[0]!.b64_json))).toBe(file.sha256);
  });

  it("come from R2 once the object no longer keeps them", async () => {
    const rec = await completed("forgotten");
    await runInDurableObject(jobStubOf(rec.id) as unknown as DurableObjectStub<JobDO>, (instance) => {
      (instance as unknown as { kept: Map<string, Uint8Array> }).kept.clear();
    });
    expect(await jobStubOf(rec.id).keptImage(rec.files[0]!.key)).toBeNull();
    const answer = await answerOf(rec);
    expect(await sha256Hex(Uint8Array.fromBase64(answer.data[0]!.b64_json))).toBe(rec.files[0]!.sha256);
  });

  it("are only small ones, the oldest let go first", async () => {
    const kept = await runInDurableObject(jobStubOf(crypto.randomUUID()) as unknown as DurableObjectStub<JobDO>, (instance) => {
      const keep = (instance as unknown as { keep(key: string, bytes: Uint8Array): void }).keep.bind(instance);
      const mb = (n: number) => new Uint8Array(n * 1024 * 1024 - 1);
      keep("big", new Uint8Array(1024 * 1024 + 1));
      for (const key of ["a", "b", "c", "d", "e"]) keep(key, mb(1));
      return [...(instance as unknown as { kept: Map<string, Uint8Array> }).kept.keys()];
    });
    expect(kept).toEqual(["b", "c", "d", "e"]);
  });
});
