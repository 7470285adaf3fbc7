import { describe, expect, it } from "vitest";
import { JobView } from "../../src/jobs/view.docs";
import { api, patchJob, runToEnd } from "../helpers/api";
import { mintAccount } from "../helpers/accounts";

// Prefer: wait=N on POST /v2/images/generate (SPEC §2.1): held until the job ends (200 with the job) or N seconds pass
// (202 with the unfinished job); N above 60 is clamped; Preference-Applied says what was applied; the create's own
// headers (Location, RateLimit-*, Idempotent-Replayed) stay.

const body = (prompt: string) => JSON.stringify({ prompt, model: "gpt-image-2", gptImage2Params: { quality: "low" } });
const post = (prompt: string, key: string, headers: Record<string, string>) => api("/v2/images/generate", { method: "POST", body: body(prompt), key, headers });

/** The account's newest job, once its create has been admitted (the create itself is still being held). */
async function admittedJob(key: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const list = (await (await api("/v2/jobs?limit=1", { key })).json()) as { data: { id: string }[] };
    if (list.data[0]) return list.data[0].id;
  }
  throw new Error("the job was never admitted");
}

describe("Prefer: wait", () => {
  it("holds the create until the job ends and answers 200 with the finished job", async () => {
    const { key } = await mintAccount({ credits: 100 });
    const res = await post("prefer: finished", key, { prefer: "wait=30" });
    expect(res.status).toBe(200);
    expect(res.headers.get("preference-applied")).toBe("wait=30");
    const job = JobView.parse(await res.json());
    expect(job).toMatchObject({ status: "COMPLETED", progress: 100 });
    expect(job.result!.images).toHaveLength(1);
    expect(res.headers.get("location")).toBe(`/v2/jobs/${job.id}`);
    expect(res.headers.get("ratelimit-limit")).toMatch(/^\d+$/);
    expect(res.headers.get("ratelimit-remaining")).toMatch(/^\d+$/);
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(await (await api(`/v2/jobs/${job.id}`, { key })).json()).toEqual(job);
  });

  it("answers 202 with the unfinished job when N seconds pass first", async () => {
    const { key } = await mintAccount({ credits: 100 });
    const pending = post("prefer: unfinished", key, { prefer: "wait=1" });
    const jobId = await admittedJob(key);
    await patchJob(jobId, (r) => ({ ...r, wakeAt: Date.now() + 3_600_000 })); // the job makes no progress meanwhile
    const res = await pending;
    expect(res.status).toBe(202);
    expect(res.headers.get("preference-applied")).toBe("wait=1");
    expect(res.headers.get("location")).toBe(`/v2/jobs/${jobId}`);
    const job = JobView.parse(await res.json());
    expect(job.id).toBe(jobId);
    expect(["QUEUED", "PROCESSING"]).toContain(job.status);
    expect(job.result).toBeNull();
    await patchJob(jobId, (r) => ({ ...r, wakeAt: Date.now() }));
    expect((await runToEnd(jobId)).status).toBe("COMPLETED");
  });

  it("answers at once with wait=0, and clamps a wait above 60 s to 60", async () => {
    const { key } = await mintAccount({ credits: 100 });
    const now = await post("prefer: zero", key, { prefer: "wait=0" });
    expect(now.status).toBe(202);
    expect(now.headers.get("preference-applied")).toBe("wait=0");
    expect(JobView.parse(await now.json()).status).toMatch(/^(QUEUED|PROCESSING)$/);

    const clamped = await post("prefer: clamped", key, { prefer: "respond-async, wait=600" });
    expect(clamped.headers.get("preference-applied")).toBe("wait=60");
    expect(clamped.status).toBe(200);
    expect(JobView.parse(await clamped.json()).status).toBe("COMPLETED");

    // However many digits: past 2^53, and past what a double holds (Infinity).
    for (const huge of ["99999999999", "9".repeat(400)]) {
      const res = await post(`prefer: huge ${huge.length}`, key, { prefer: `wait=${huge}` });
      expect(res.headers.get("preference-applied")).toBe("wait=60");
      expect(res.status).toBe(200);
    }
  });

  it("leaves a create without a wait preference as it was: 202 {jobId, status}", async () => {
    const { key } = await mintAccount({ credits: 100 });
    for (const prefer of [undefined, "respond-async", "wait=soon"]) {
      const res = await post(`prefer: none ${prefer}`, key, prefer === undefined ? {} : { prefer });
      expect(res.status).toBe(202);
      expect(res.headers.get("preference-applied")).toBeNull();
      expect(Object.keys((await res.json()) as object).sort()).toEqual(["jobId", "status"]);
    }
  });

  it("keeps idempotency: a replay waits for the same job and says it is a replay", async () => {
    const { key } = await mintAccount({ credits: 100 });
    const first = await post("prefer: idem", key, { prefer: "wait=30", "idempotency-key": "prefer-1" });
    expect(first.status).toBe(200);
    const job = JobView.parse(await first.json());
    const again = await post("prefer: idem", key, { prefer: "wait=30", "idempotency-key": "prefer-1" });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("preference-applied")).toBe("wait=30");
    expect(JobView.parse(await again.json()).id).toBe(job.id);
    const list = (await (await api("/v2/jobs", { key })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(1);
  });

  it("still refuses what it refused before (the wait never starts)", async () => {
    const { key } = await mintAccount({ credits: 1 });
    const res = await post("prefer: broke", key, { prefer: "wait=30" });
    expect(res.status).toBe(402);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("preference-applied")).toBeNull();
  });
});
