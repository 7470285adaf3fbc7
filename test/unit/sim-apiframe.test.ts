// The simulator's apiframe.ai wire format, reached through the outbound service at the real hostnames.
import { describe, expect, it } from "vitest";
import {
  apiframeCallbackSchema,
  apiframeCancelResponseSchema,
  apiframeCreateResponseSchema,
  apiframeErrorSchema,
  apiframeInsufficientCreditsSchema,
  apiframeJobSchema,
  apiframeValidationErrorSchema,
} from "../sim/schemas.ts";
import {
  addFault,
  advance,
  APIFRAME_KEY,
  apiframeSignatureValid,
  bytesOf,
  pngInfo,
  pngIsComplete,
  postJson,
  sim,
  sleep,
  tag,
  takeCallbacks,
} from "../sim/testing.ts";
import { activeModel } from "../helpers/models";

const API = "https://api.apiframe.ai";
// Where the model does not matter: one apiframe serves today. Seed 002's gpt-image-1.5 stays where its rules are tested.
const MODEL = activeModel(["apiframe"]).id;
const HOOK = "https://gateway.test/hooks/apiframe";

const create = (body: Record<string, unknown>, headers: Record<string, string> = {}, key = APIFRAME_KEY) =>
  fetch(`${API}/v2/images/generate`, postJson(body, { "x-api-key": key, ...headers }));

async function createId(body: Record<string, unknown>, headers?: Record<string, string>): Promise<string> {
  const res = await create(body, headers);
  expect(res.status, await res.clone().text()).toBe(202);
  return apiframeCreateResponseSchema.parse(await res.json()).jobId;
}

async function poll(id: string) {
  const res = await fetch(`${API}/v2/jobs/${id}`, { headers: { "x-api-key": APIFRAME_KEY } });
  expect(res.status).toBe(200);
  return apiframeJobSchema.parse(await res.json());
}

/** Pins this tag's jobs to a known latency, whatever the global default is. */
const pinLatency = (t: string, latencyMs = 10_000) => addFault({ provider: "apiframe", fault: "latency", latencyMs, match: t });

describe("apiframe simulator", () => {
  it("answers 401 without a valid key, 403 for a forbidden one, 402 without credits", async () => {
    const body = { prompt: `auth ${tag()}`, model: "gpt-image-1.5", gptImageParams: { quality: "high", number_of_images: 2 } };
    const missing = await fetch(`${API}/v2/images/generate`, postJson(body));
    expect(missing.status).toBe(401);
    apiframeErrorSchema.parse(await missing.json());
    expect((await create(body, {}, "not-afk")).status).toBe(401);
    expect((await create(body, {}, "afk_forbidden_000000")).status).toBe(403);
    const broke = await create(body, {}, "afk_nocredit_000000");
    expect(broke.status).toBe(402);
    expect(apiframeInsufficientCreditsSchema.parse(await broke.json())).toMatchObject({ creditsRequired: 48, creditsAvailable: 0 });
  });

  it("goes QUEUED → PROCESSING with rising progress → COMPLETED with PNGs of the aspect ratio", async () => {
    const t = tag();
    await pinLatency(t);
    const id = await createId({ prompt: `fox ${t}`, model: "gpt-image-1.5", gptImageParams: { aspect_ratio: "2:3", number_of_images: 2, quality: "medium" } });
    const queued = await poll(id);
    expect(queued).toMatchObject({ id, status: "QUEUED", progress: null, result: null, error: null, completedAt: null, model: "gpt-image-1.5", creditCost: 18 });
    await advance({ match: t, ms: 3000 });
    const early = await poll(id);
    await advance({ match: t, ms: 4000 });
    const later = await poll(id);
    expect([early.status, later.status]).toEqual(["PROCESSING", "PROCESSING"]);
    expect(early.progress).toBeGreaterThan(0);
    expect(later.progress).toBeGreaterThan(early.progress!);
    await advance({ match: t, ms: 4000 });
    const done = await poll(id);
    expect(Object.keys(done).sort()).toEqual(
      ["completedAt", "createdAt", "creditCost", "error", "expired", "id", "model", "progress", "result", "status", "webhookStatus"].sort(),
    );
    expect(done).toMatchObject({ status: "COMPLETED", progress: 100, error: null, expired: false, webhookStatus: null });
    const images = (done.result as { images: string[] }).images;
    expect(images).toEqual([1, 2].map((n) => `https://cdn2.apiframe.ai/images/${id}-${n}.png`));
    for (const url of images) {
      const bytes = await bytesOf(await fetch(url));
      expect(pngInfo(bytes)).toMatchObject({ width: 1024, height: 1536 });
      expect(await pngIsComplete(bytes)).toBe(true);
    }
  });

  it("moves on wall-clock time alone, progress never going down", async () => {
    const t = tag();
    await pinLatency(t, 600);
    const id = await createId({ prompt: `live ${t}`, model: "gpt-image-2" });
    const seen: { status: string; progress: number | null }[] = [];
    for (let i = 0; i < 80 && seen.at(-1)?.status !== "COMPLETED"; i++) {
      const { status, progress } = await poll(id);
      seen.push({ status, progress });
      await sleep(25);
    }
    expect(seen.at(-1)).toEqual({ status: "COMPLETED", progress: 100 });
    expect(seen.some((s) => s.status === "PROCESSING")).toBe(true);
    const progress = seen.map((s) => s.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it.each([
    ["an unknown top-level key", { width: 1024 }, "gpt-image-1.5", "width"],
    ["the other model's params key", { gptImageParams: {} }, "gpt-image-2", "gptImageParams"],
    ["transparent on gpt-image-2", { gptImage2Params: { background: "transparent" } }, "gpt-image-2", "gptImage2Params.background"],
    ["input_fidelity on gpt-image-2", { gptImage2Params: { input_fidelity: "high" } }, "gpt-image-2", "gptImage2Params.input_fidelity"],
    ["moderation on gpt-image-1.5", { gptImageParams: { moderation: "low" } }, "gpt-image-1.5", "gptImageParams.moderation"],
    ["11 images", { gptImageParams: { number_of_images: 11 } }, "gpt-image-1.5", "gptImageParams.number_of_images"],
    ["an unknown aspect ratio", { gptImageParams: { aspect_ratio: "16:9" } }, "gpt-image-1.5", "gptImageParams.aspect_ratio"],
    ["transparent jpeg", { gptImageParams: { background: "transparent", output_format: "jpeg" } }, "gpt-image-1.5", "gptImageParams.background"],
  ])("refuses %s with 400 details", async (_, extra, model, path) => {
    const res = await create({ prompt: `bad ${tag()}`, model, ...extra });
    expect(res.status).toBe(400);
    expect(Object.keys(apiframeValidationErrorSchema.parse(await res.json()).details)).toContain(path);
  });

  it.each(["gpt-image-2.5-flare", "gpt-image-2.5-sunburst", "gpt-image-2.6-flare", "gpt-image-2.6-sunburst", "openai/gpt-image-2.6-flare"])(
    "refuses %s (apiframe serves no GPT Image 2.5 or 2.6) with 400 details on model",
    async (model) => {
      const res = await create({ prompt: `new ${tag()}`, model, gptImage2Params: { quality: "low" } });
      expect(res.status).toBe(400);
      const { error, details } = apiframeValidationErrorSchema.parse(await res.json());
      expect(error).toBe("Validation failed");
      expect(Object.keys(details)).toEqual(["model"]);
    },
  );

  it("accepts the full gpt-image-2 params", async () => {
    const gptImage2Params = { quality: "low", aspect_ratio: "3:2", output_format: "png", background: "opaque", input_images: ["https://example.com/a.png"], number_of_images: 1, moderation: "low" };
    await createId({ prompt: `full ${tag()}`, model: "gpt-image-2", gptImage2Params, webhookUrl: HOOK, webhookEvents: ["completed"] });
  });

  it("replays an Idempotency-Key with the same job, and answers 409 to a different body", async () => {
    const t = tag();
    const body = { prompt: `idem ${t}`, model: MODEL };
    const key = `idem-${t}`;
    const first = await createId(body, { "idempotency-key": key });
    const again = await create({ model: MODEL, prompt: `idem ${t}` }, { "idempotency-key": key });
    expect(again.status).toBe(202);
    expect(apiframeCreateResponseSchema.parse(await again.json()).jobId).toBe(first);
    const conflict = await create({ ...body, gptImageParams: { quality: "low" } }, { "idempotency-key": key });
    expect(conflict.status).toBe(409);
    apiframeErrorSchema.parse(await conflict.json());
    const calls = (await (await sim(`/calls?provider=apiframe&match=${t}`)).json()) as { idempotencyKey: string; status: number }[];
    expect(calls.map((c) => [c.idempotencyKey, c.status])).toEqual([[key, 202], [key, 202], [key, 409]]);
  });

  it("signs progress and completed webhooks with HMAC-SHA256 keyed by SHA-256 of the API key", async () => {
    const t = tag();
    await pinLatency(t);
    const id = await createId({ prompt: `hook ${t}`, model: MODEL, webhookUrl: HOOK, webhookEvents: ["progress", "completed"] });
    expect((await poll(id)).webhookStatus).toBe("pending");
    await advance({ match: t, ms: 6000 });
    const [progress] = await takeCallbacks(t, 2000);
    await advance({ match: t, ms: 6000 });
    const [completed] = await takeCallbacks(t, 2000);
    for (const [callback, event] of [[progress!, "progress"], [completed!, "completed"]] as const) {
      expect(callback.url).toBe(HOOK);
      expect(callback.headers["x-webhook-event"]).toBe(event);
      expect(await apiframeSignatureValid(APIFRAME_KEY, callback.body, callback.headers["x-webhook-signature"]!)).toBe(true);
      expect(await apiframeSignatureValid("afk_someone_else_000", callback.body, callback.headers["x-webhook-signature"]!)).toBe(false);
      expect(apiframeCallbackSchema.parse(JSON.parse(callback.body))).toMatchObject({ event, jobId: id });
    }
    expect(Object.keys(JSON.parse(completed!.body))).toEqual(["event", "jobId", "status", "progress", "result", "model", "creditCost", "completedAt"]);
    expect((await poll(id)).webhookStatus).toBe("delivered");
  });

  it("sends a failed webhook for a failed job, and none for events not asked for", async () => {
    const t = tag();
    await addFault({ provider: "apiframe", fault: "job_failed", match: t });
    const id = await createId({ prompt: `fail ${t}`, model: "gpt-image-2", webhookUrl: HOOK });
    await advance({ match: t, ms: 60_000 });
    const callbacks = await takeCallbacks(t, 2000);
    expect(callbacks.map((c) => c.event)).toEqual(["failed"]);
    const body = apiframeCallbackSchema.parse(JSON.parse(callbacks[0]!.body));
    expect(body).toMatchObject({ event: "failed", jobId: id, status: "FAILED" });
    expect(await apiframeSignatureValid(APIFRAME_KEY, callbacks[0]!.body, callbacks[0]!.headers["x-webhook-signature"]!)).toBe(true);
    const job = await poll(id);
    expect(job).toMatchObject({ status: "FAILED", creditCost: 0, result: null });
    expect(job.error).not.toContain("content policy");
  });

  it("returns result as a bare URL string for a [legacy-result] job", async () => {
    const t = tag();
    const id = await createId({ prompt: `old [legacy-result] ${t}`, model: MODEL });
    await advance({ match: t, ms: 60_000 });
    expect((await poll(id)).result).toBe(`https://cdn2.apiframe.ai/images/${id}-1.png`);
  });

  it("cancels a running job (assumed endpoint), refuses to cancel twice, 404s unknown and foreign jobs", async () => {
    const t = tag();
    await pinLatency(t);
    const id = await createId({ prompt: `cancel ${t}`, model: MODEL });
    const cancel = () => fetch(`${API}/v2/jobs/${id}/cancel`, { method: "POST", headers: { "x-api-key": APIFRAME_KEY } });
    const res = await cancel();
    expect(res.status).toBe(200);
    expect(apiframeCancelResponseSchema.parse(await res.json()).jobId).toBe(id);
    await advance({ match: t, ms: 60_000 });
    expect(await poll(id)).toMatchObject({ status: "CANCELLED", creditCost: 0, result: null });
    expect((await cancel()).status).toBe(409);
    const unknown = await fetch(`${API}/v2/jobs/${crypto.randomUUID()}`, { headers: { "x-api-key": APIFRAME_KEY } });
    expect(unknown.status).toBe(404);
    apiframeErrorSchema.parse(await unknown.json());
    const foreign = await fetch(`${API}/v2/jobs/${id}`, { headers: { "x-api-key": "afk_another_key_0000" } });
    expect(foreign.status).toBe(404);
  });

  it("marks a result expired after 24 hours and stops serving its files", async () => {
    const t = tag();
    const id = await createId({ prompt: `old ${t}`, model: MODEL });
    await advance({ match: t, ms: 60_000 });
    const url = `https://cdn2.apiframe.ai/images/${id}-1.png`;
    expect((await fetch(url)).status).toBe(200);
    await advance({ match: t, ms: 25 * 60 * 60_000 });
    expect((await poll(id)).expired).toBe(true);
    expect((await fetch(url)).status).toBe(404);
  });
});
