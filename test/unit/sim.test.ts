// The simulator's routing, control interface and fault injection (provider formats: sim-<provider>.test.ts).
import { describe, expect, it } from "vitest";
import {
  apiframeCreateResponseSchema,
  apiframeErrorSchema,
  apiframeJobSchema,
  leonardoCreateResponseSchema,
  leonardoErrorEnvelopeSchema,
  leonardoPollResponseSchema,
} from "../sim/schemas.ts";
import {
  addFault,
  advance,
  APIFRAME_KEY,
  bytesOf,
  LEONARDO_KEY,
  OPENAI_KEY,
  pngInfo,
  postJson,
  sim,
  tag,
  takeCallbacks,
} from "../sim/testing.ts";
import { activeModel } from "../helpers/models";

const LEO = "https://cloud.leonardo.ai/api/rest";
const leoAuth = { authorization: `Bearer ${LEONARDO_KEY}` };
const leoCreate = (prompt: string) => fetch(`${LEO}/v2/generations`, postJson({ model: activeModel(["leonardo"]).leonardoId, parameters: { prompt, quantity: 1 } }, leoAuth));
const leoPoll = (id: string) => fetch(`${LEO}/v1/generations/${id}`, { headers: leoAuth });
async function leoJob(prompt: string): Promise<string> {
  const res = await leoCreate(prompt);
  expect(res.status).toBe(200);
  return leonardoCreateResponseSchema.parse(await res.json()).generate.generationId;
}

const afCreate = (prompt: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) =>
  fetch("https://api.apiframe.ai/v2/images/generate", postJson({ prompt, model: activeModel(["apiframe"]).id, ...extra }, { "x-api-key": APIFRAME_KEY, ...headers }));
const afPoll = async (id: string) =>
  apiframeJobSchema.parse(await (await fetch(`https://api.apiframe.ai/v2/jobs/${id}`, { headers: { "x-api-key": APIFRAME_KEY } })).json());
async function afJob(prompt: string, extra?: Record<string, unknown>): Promise<string> {
  const res = await afCreate(prompt, {}, extra);
  expect(res.status).toBe(202);
  return apiframeCreateResponseSchema.parse(await res.json()).jobId;
}

const openaiGenerate = (prompt: string, signal?: AbortSignal) =>
  fetch("https://api.openai.com/v1/images/generations", { ...postJson({ model: activeModel(["openai"]).id, prompt }, { authorization: `Bearer ${OPENAI_KEY}` }), signal });

type Call = { provider: string; kind: string; method: string; path: string; status: number | null; fault: string | null; jobId: string | null; idempotencyKey: string | null };
const calls = async (query: string): Promise<Call[]> => (await sim(`/calls?${query}`)).json();
const removed = async (path: string): Promise<number> => ((await (await sim(path, { method: "DELETE" })).json()) as { removed: number }).removed;

describe("simulator routing and control", () => {
  it("answers 599 to unknown hosts and paths, and lists them as unexpected", async () => {
    const t = tag();
    for (const url of [`https://unknown.example/${t}`, `https://api.openai.com/v1/chat/completions?${t}`, `https://cloud.leonardo.ai/cdn/${t}`]) {
      const res = await fetch(url);
      expect(res.status).toBe(599);
      expect(await res.json()).toEqual({ error: "unexpected outbound call", url });
    }
    const listed = (await (await sim(`/unexpected?match=${t}`)).json()) as { url: string }[];
    expect(listed).toHaveLength(3);
    expect(await removed(`/unexpected?match=${t}`)).toBe(3);
    expect(await (await sim(`/unexpected?match=${t}`)).json()).toEqual([]);
    expect(await calls(`match=${t}`)).toEqual([]);
  });

  it("refuses unknown faults and faults that do not apply to a provider", async () => {
    expect((await sim("/faults", postJson({ provider: "openai", fault: "explode" }))).status).toBe(400);
    expect((await sim("/faults", postJson({ provider: "openai", fault: "image_404" }))).status).toBe(400);
    expect((await sim("/faults", postJson({ provider: "nobody", fault: "http500" }))).status).toBe(400);
  });

  it("lists calls by provider and match, with method, path, status, job and Idempotency-Key", async () => {
    const t = tag();
    const id = await afJob(`listed ${t}`);
    await afPoll(id);
    await afCreate(`listed ${t}`, { "idempotency-key": `k-${t}` });
    const listed = await calls(`provider=apiframe&match=${t}`);
    expect(listed.map((c) => [c.method, c.path, c.status, c.idempotencyKey])).toEqual([
      ["POST", "/v2/images/generate", 202, null],
      ["GET", `/v2/jobs/${id}`, 200, null],
      ["POST", "/v2/images/generate", 202, `k-${t}`],
    ]);
    expect(listed[1]!.jobId).toBe(id);
    expect(await calls(`provider=leonardo&match=${t}`)).toEqual([]);
    expect(await removed(`/calls?match=${t}`)).toBe(3);
    expect(await calls(`match=${t}`)).toEqual([]);
  });
});

describe("simulator faults", () => {
  it("http500 hits the next poll only (count 1), in Leonardo's envelope", async () => {
    const t = tag();
    const id = await leoJob(`p500 ${t}`);
    await addFault({ provider: "leonardo", fault: "http500", match: t });
    const failed = await leoPoll(id);
    expect(failed.status).toBe(500);
    leonardoErrorEnvelopeSchema.parse(await failed.json());
    expect((await leoPoll(id)).status).toBe(200);
    expect((await calls(`provider=leonardo&match=${t}`)).map((c) => [c.status, c.fault])).toEqual([[200, null], [500, "http500"], [200, null]]);
  });

  it("applies a fault only to calls whose job prompt contains its match", async () => {
    const t = tag();
    await addFault({ provider: "apiframe", fault: "http503", match: `hit ${t}` });
    expect((await afCreate(`miss ${t}`)).status).toBe(202);
    const hit = await afCreate(`hit ${t}`);
    expect(hit.status).toBe(503);
    apiframeErrorSchema.parse(await hit.json());
    expect((await afCreate(`hit ${t}`)).status).toBe(202);
  });

  it("http429 carries Retry-After; count null lasts until the faults of that match are deleted", async () => {
    const t = tag();
    const fault = await addFault({ provider: "apiframe", fault: "http429", retryAfter: 7, count: null, match: t });
    for (let i = 0; i < 3; i++) {
      const res = await afCreate(`limited ${t}`);
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("7");
      apiframeErrorSchema.parse(await res.json());
    }
    const listed = (await (await sim("/faults")).json()) as { id: string; hits: number }[];
    expect(listed.find((f) => f.id === fault.id)?.hits).toBe(3);
    expect(await removed(`/faults?match=${t}`)).toBe(1);
    expect((await afCreate(`limited ${t}`)).status).toBe(202);
  });

  it("malformed answers 200 with JSON that does not parse", async () => {
    const t = tag();
    const id = await leoJob(`garbled ${t}`);
    await addFault({ provider: "leonardo", fault: "malformed", match: t });
    const res = await leoPoll(id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it("hang never answers; the client's timeout ends it", async () => {
    const t = tag();
    await addFault({ provider: "openai", fault: "hang", match: t, latencyMs: 2000 });
    const started = Date.now();
    await expect(openaiGenerate(`hang ${t}`, AbortSignal.timeout(300))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1500);
    expect((await calls(`provider=openai&match=${t}`)).map((c) => [c.fault, c.status])).toEqual([["hang", null]]);
  });

  it("hang_after_create creates the job, so a retry with the same Idempotency-Key gets it back", async () => {
    const t = tag();
    await addFault({ provider: "apiframe", fault: "hang_after_create", match: t, latencyMs: 2000 });
    const headers = { "idempotency-key": `retry-${t}` };
    await expect(fetch("https://api.apiframe.ai/v2/images/generate", { ...postJson({ prompt: `lost ${t}`, model: activeModel(["apiframe"]).id }, { "x-api-key": APIFRAME_KEY, ...headers }), signal: AbortSignal.timeout(300) })).rejects.toThrow();
    const retry = await afCreate(`lost ${t}`, headers);
    expect(retry.status).toBe(202);
    const { jobId } = apiframeCreateResponseSchema.parse(await retry.json());
    const [first, second] = await calls(`provider=apiframe&match=${t}`);
    expect([first!.jobId, first!.fault, second!.jobId]).toEqual([jobId, "hang_after_create", jobId]);
  });

  it("job_failed ends a Leonardo generation FAILED with no images", async () => {
    const t = tag();
    await addFault({ provider: "leonardo", fault: "job_failed", match: t });
    const id = await leoJob(`doomed ${t}`);
    await advance({ match: t, ms: 60_000 });
    const job = leonardoPollResponseSchema.parse(await (await leoPoll(id)).json()).generations_by_pk;
    expect(job).toMatchObject({ status: "FAILED", generated_images: [] });
  });

  it("moderated: Leonardo refuses the create, apiframe fails the job for content", async () => {
    const t = tag();
    await addFault({ provider: "leonardo", fault: "moderated", match: t });
    await addFault({ provider: "apiframe", fault: "moderated", match: t });
    const refused = await leoCreate(`naughty ${t}`);
    expect(refused.status).toBe(400);
    expect(leonardoErrorEnvelopeSchema.parse(await refused.json()).error).toContain("content moderation filter");
    const id = await afJob(`naughty ${t}`);
    await advance({ match: t, ms: 60_000 });
    expect(await afPoll(id)).toMatchObject({ status: "FAILED", error: "Provider returned an error: content policy violation", creditCost: 0 });
  });

  it("no_callback completes the job without a callback", async () => {
    const t = tag();
    await addFault({ provider: "apiframe", fault: "no_callback", match: t });
    const id = await afJob(`silent ${t}`, { webhookUrl: "https://gateway.test/hooks/apiframe" });
    await advance({ match: t, ms: 60_000 });
    expect(await takeCallbacks(t, 300)).toEqual([]);
    expect(await afPoll(id)).toMatchObject({ status: "COMPLETED", webhookStatus: "failed" });
    const control = await afJob(`loud ${t}`, { webhookUrl: "https://gateway.test/hooks/apiframe" });
    await advance({ id: control, ms: 60_000 });
    expect((await takeCallbacks(t, 2000)).map((c) => c.jobId)).toEqual([control]);
  });

  it("image_404 makes a completed job's image URL answer 404", async () => {
    const t = tag();
    await addFault({ provider: "apiframe", fault: "image_404", match: t });
    const id = await afJob(`gone ${t}`);
    await advance({ match: t, ms: 60_000 });
    const job = await afPoll(id);
    expect(job.status).toBe("COMPLETED");
    expect((await fetch((job.result as { images: string[] }).images[0]!)).status).toBe(404);
  });

  it("slow_image trickles the image over latencyMs, bytes intact", async () => {
    const t = tag();
    await addFault({ provider: "leonardo", fault: "slow_image", latencyMs: 600, match: t });
    const id = await leoJob(`sluggish ${t}`);
    await advance({ match: t, ms: 60_000 });
    const url = leonardoPollResponseSchema.parse(await (await leoPoll(id)).json()).generations_by_pk!.generated_images[0]!.url;
    const started = Date.now();
    const bytes = await bytesOf(await fetch(url));
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(pngInfo(bytes)).toMatchObject({ width: 1024, height: 1024 });
  });
});
