import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { jobStub } from "../../src/jobs/job-stub";
import { imageDimensions } from "../../src/lib/sniff";
import { renderSandboxImage } from "../../src/providers/sandbox/render";
import { api, createJob, elapse, fireAlarm, patchJob, runToEnd, sha256Hex, storedJob } from "../helpers/api";
import { activeModel, jobBody } from "../helpers/models";

const readJob = async (id: string) => (await api(`/v2/jobs/${id}`)).json() as Promise<Record<string, any>>;

describe("a job's life on the sandbox", () => {
  it("goes QUEUED → PROCESSING → COMPLETED through its alarms and stores real PNGs in R2", async () => {
    const res = await api("/v2/images/generate", {
      method: "POST",
      body: JSON.stringify({
        prompt: "A fox reading a book",
        model: "gpt-image-2",
        gptImage2Params: { aspect_ratio: "16:9", quality: "medium", number_of_images: 2, seed: 7, output_format: "png" },
        metadata: { order: "1234" },
      }),
    });
    expect(res.status).toBe(202);
    const { jobId, status } = (await res.json()) as { jobId: string; status: string };
    expect(status).toBe("QUEUED");
    expect(res.headers.get("location")).toBe(`/v2/jobs/${jobId}`);
    expect(jobId).toMatch(/^[0-9a-f-]{36}$/);

    expect((await readJob(jobId)).status).toBe("QUEUED");
    expect((await storedJob(jobId)).wakeAt).not.toBeNull();

    expect(await fireAlarm(jobId)).toBe(true); // dispatch
    let job = await readJob(jobId);
    expect(job.status).toBe("PROCESSING");
    expect(job.provider).toBe("sandbox");
    expect(job.progress).toBe(0);

    await elapse(jobId, 600); // more than half of the sandbox's 1000 ms
    await fireAlarm(jobId);
    job = await readJob(jobId);
    expect(job.status).toBe("PROCESSING");
    expect(job.progress).toBeGreaterThanOrEqual(50);
    expect(job.progress).toBeLessThan(100);

    const rec = await runToEnd(jobId);
    expect(rec.status).toBe("COMPLETED");
    job = await readJob(jobId);
    expect(job).toMatchObject({ status: "COMPLETED", progress: 100, creditCost: 18, error: null, metadata: { order: "1234" } });
    expect(job.completedAt).toEqual(expect.any(String));
    expect(job.result.images).toHaveLength(2);
    expect(job.result.images).toEqual(job.result.files.map((f: { url: string }) => f.url));

    for (const [index, file] of (job.result.files as Array<Record<string, any>>).entries()) {
      expect(file).toMatchObject({ width: 1376, height: 768, contentType: "image/png" });
      const key = `jobs/${jobId}/${index}.png`;
      const object = await env.FILES.get(key);
      expect(object).not.toBeNull();
      const bytes = new Uint8Array(await object!.arrayBuffer());
      expect(bytes.length).toBe(file.byteSize);
      expect(await sha256Hex(bytes)).toBe(file.sha256);
      expect(imageDimensions(bytes)).toEqual({ width: 1376, height: 768 });
      expect(object!.customMetadata).toMatchObject({ sha256: file.sha256, jobId, width: "1376", height: "768" });
      // Deterministic: the sandbox renders the same bytes for the same prompt, seed and index.
      const again = new Uint8Array(await new Response(renderSandboxImage(rec.spec, index)).arrayBuffer());
      expect(await sha256Hex(again)).toBe(file.sha256);
      // And the signed URL serves exactly those bytes.
      const served = await api(new URL(file.url).pathname + new URL(file.url).search, { key: null });
      expect(served.status).toBe(200);
      expect(await sha256Hex(await served.arrayBuffer())).toBe(file.sha256);
    }
    expect(await fireAlarm(jobId)).toBe(false); // nothing left to do: no alarm
  });

  it("never leaves an unfinished job without an alarm", async () => {
    const jobId = await createJob({ prompt: "alarm check", model: "gpt-image-2" });
    for (let i = 0; i < 3; i++) {
      const rec = await storedJob(jobId);
      if (rec.status === "COMPLETED") break;
      expect(rec.wakeAt).not.toBeNull();
      expect(await fireAlarm(jobId)).toBe(true);
    }
  });

  it("fails with errorCode timeout once the deadline passes", async () => {
    const jobId = await createJob({ prompt: "too slow", model: "gpt-image-2" });
    await fireAlarm(jobId);
    await patchJob(jobId, (r) => ({ ...r, deadlineAt: Date.now() - 1 }));
    await fireAlarm(jobId);
    const job = await readJob(jobId);
    expect(job).toMatchObject({ status: "FAILED", errorCode: "timeout", result: null });
    expect(job.error).toMatch(/deadline/);
    expect(await fireAlarm(jobId)).toBe(false);
  });

  it("renders a transparent background as an RGBA PNG", async () => {
    const model = activeModel(["sandbox"]);
    const jobId = await createJob(jobBody(model, { prompt: "cut-out", provider: "sandbox" }, { background: "transparent", output_format: "png", aspect_ratio: "2:3" }));
    const rec = await runToEnd(jobId);
    const bytes = new Uint8Array(await (await env.FILES.get(rec.files[0]!.key))!.arrayBuffer());
    expect(imageDimensions(bytes)).toEqual(model.presets["2:3"]);
    expect(bytes[25]).toBe(6); // IHDR colour type 6: RGBA
  });
});

describe("waiting for a job to end", () => {
  it("resolves waitForEnd as soon as the job completes, and returns the unfinished job on timeout", async () => {
    const jobId = await createJob({ prompt: "wait for me", model: "gpt-image-2" });
    const stub = jobStub(env, jobId);
    const early = await stub.waitForEnd(10);
    expect(["QUEUED", "PROCESSING"]).toContain(early?.status); // the 1 s sandbox cannot finish in 10 ms
    const waiting = stub.waitForEnd(20_000);
    const done = await runToEnd(jobId);
    const woken = await waiting;
    expect(woken?.status).toBe("COMPLETED");
    expect(woken?.files).toEqual(done.files);
  });
});
