// apiframe.ai: create with Idempotency-Key, poll with progress, cancel, signed webhooks.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { apiFaultResponse, type ActiveFault, type JobFaults } from "./faults.ts";
import { notFoundImage, pngResponse, paddedPngResponse, renderPng } from "./images.ts";
import { canonicalJson, iso, modelOf, note, promptOf, readJson, type SimEnv, type SimState } from "./state.ts";

const API_KEY = /^afk_[A-Za-z0-9_-]{8,}$/;
const DAY_MS = 24 * 60 * 60_000;
/** Share of a job's latency spent QUEUED before PROCESSING starts. */
const QUEUED_SHARE = 0.1;
const PRICES = {
  "gpt-image-1.5": { low: 4, medium: 9, high: 24, auto: 24 },
  "gpt-image-2": { low: 4, medium: 9, high: 23, auto: 23 },
} as const;
/** Pixel size per aspect ratio (assumed: apiframe exposes no exact sizes). */
const SIZES = { "1:1": [1024, 1024], "3:2": [1536, 1024], "2:3": [1024, 1536] } as const;
const CONTENT_ERROR = "Provider returned an error: content policy violation";
const UPSTREAM_ERROR = "Provider returned an error: upstream server error";

const commonParams = {
  quality: z.enum(["low", "medium", "high", "auto"]).optional(),
  aspect_ratio: z.enum(["1:1", "3:2", "2:3"]).optional(),
  output_format: z.enum(["png", "jpeg", "webp"]).optional(),
  input_images: z.array(z.url()).max(16).nullable().optional(),
  number_of_images: z.int().min(1).max(10).optional(),
};
const common = {
  prompt: z.string().min(1).max(32_000),
  webhookUrl: z.url({ protocol: /^https?$/ }).optional(),
  webhookEvents: z.array(z.enum(["progress", "completed", "failed"])).optional(),
};

export const apiframeCreateBodySchema = z.discriminatedUnion("model", [
  z.strictObject({
    ...common,
    model: z.literal("gpt-image-1.5"),
    gptImageParams: z
      .strictObject({ ...commonParams, background: z.enum(["auto", "transparent", "opaque"]).optional(), input_fidelity: z.enum(["low", "high"]).optional() })
      .optional(),
  }),
  z.strictObject({
    ...common,
    model: z.literal("gpt-image-2"),
    gptImage2Params: z
      .strictObject({ ...commonParams, background: z.enum(["auto", "opaque"]).optional(), moderation: z.enum(["auto", "low"]).optional() })
      .optional(),
  }),
]);

type Status = "QUEUED" | "PROCESSING" | "COMPLETED" | "FAILED" | "CANCELLED";

type Job = {
  id: string;
  ownerKey: string;
  prompt: string;
  model: "gpt-image-1.5" | "gpt-image-2";
  count: number;
  width: number;
  height: number;
  cost: number;
  webhookUrl: string | null;
  webhookEvents: string[];
  webhookStatus: "pending" | "delivered" | "failed" | null;
  createdAt: number;
  latencyMs: number;
  cancelledAt: number | null;
  faults: JobFaults;
  imageBase: string;
};

const validation = (details: Record<string, string[]>) => Response.json({ error: "Validation failed", details }, { status: 400 });

function issueDetails(issues: z.core.$ZodIssue[]): Record<string, string[]> {
  const details: Record<string, string[]> = {};
  const add = (path: string, msg: string) => (details[path || "body"] ??= []).push(msg);
  for (const issue of issues) {
    const path = issue.path.join(".");
    if (issue.code === "unrecognized_keys") for (const k of issue.keys) add(path ? `${path}.${k}` : k, "Unrecognized key");
    else add(path, issue.message);
  }
  return details;
}

async function sign(apiKey: string, body: string): Promise<string> {
  const keyBytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(apiKey));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
}

function faultResponse(c: Context<SimEnv>, fault: ActiveFault): Promise<Response> {
  note(c, { fault: fault.fault });
  return apiFaultResponse(fault, c.req.raw.signal, {
    envelope: (status) => ({
      error: status === 429 ? "Rate limit exceeded" : status === 503 ? "Service temporarily unavailable" : "Internal server error",
    }),
  });
}

export function apiframeRoutes(state: SimState) {
  const app = new Hono<SimEnv>();
  const jobs = new Map<string, Job>();
  const replays = new Map<string, { body: string; jobId: string; at: number }>();
  state.resetters.push(() => (jobs.clear(), replays.clear()));
  state.advancers.push((ms, match, id) => {
    let n = 0;
    for (const j of jobs.values())
      if (id === j.id || (match !== undefined && j.prompt.includes(match))) (j.createdAt -= ms), n++;
    return n;
  });

  const endAt = (job: Job) => job.createdAt + job.latencyMs;
  const failure = (job: Job) => (job.faults.moderated ? CONTENT_ERROR : job.faults.job_failed ? UPSTREAM_ERROR : null);
  const imageUrls = (job: Job) => Array.from({ length: job.count }, (_, i) => `${job.imageBase}/images/${job.id}-${i + 1}.png`);
  /** `[legacy-result]` in the prompt reproduces older responses whose `result` is a bare URL string. */
  const resultOf = (job: Job) => (job.prompt.includes("[legacy-result]") ? imageUrls(job)[0]! : { images: imageUrls(job) });

  function phase(job: Job, now = Date.now()): { status: Status; progress: number | null } {
    if (job.cancelledAt !== null) return { status: "CANCELLED", progress: null };
    const elapsed = now - job.createdAt;
    if (elapsed >= job.latencyMs) return failure(job) !== null ? { status: "FAILED", progress: null } : { status: "COMPLETED", progress: 100 };
    if (elapsed < job.latencyMs * QUEUED_SHARE) return { status: "QUEUED", progress: null };
    return { status: "PROCESSING", progress: Math.min(99, Math.floor((elapsed / job.latencyMs) * 100)) };
  }

  function view(job: Job) {
    const now = Date.now();
    const { status, progress } = phase(job, now);
    const terminal = status === "COMPLETED" || status === "FAILED" || status === "CANCELLED";
    const finishedAt = job.cancelledAt ?? endAt(job);
    return {
      id: job.id,
      status,
      model: job.model,
      progress,
      result: status === "COMPLETED" ? resultOf(job) : null,
      error: status === "FAILED" ? failure(job) : null,
      creditCost: status === "FAILED" || status === "CANCELLED" ? 0 : job.cost,
      webhookStatus: job.webhookUrl !== null && job.faults.no_callback && terminal ? "failed" : job.webhookStatus,
      createdAt: iso(job.createdAt),
      completedAt: terminal ? iso(finishedAt) : null,
      expired: status === "COMPLETED" && now - finishedAt > DAY_MS,
    };
  }

  /** Webhooks for the events the job asked for, each signed with the owner's key; built when due. */
  function scheduleCallbacks(job: Job): void {
    if (job.webhookUrl === null || job.faults.no_callback) return;
    const url = job.webhookUrl;
    const send = (event: string, payload: () => object, dueAt: () => number | null) => {
      if (!job.webhookEvents.includes(event)) return;
      state.schedule({
        dueAt,
        settle: (ok) => {
          if (event !== "progress") job.webhookStatus = ok ? "delivered" : "failed";
        },
        build: async () => {
          const body = JSON.stringify({ event, jobId: job.id, ...payload() });
          const headers = {
            "content-type": "application/json",
            "user-agent": "apiframe-webhooks/1.0",
            "x-webhook-event": event,
            "x-webhook-signature": `sha256=${await sign(job.ownerKey, body)}`,
          };
          return { id: crypto.randomUUID(), provider: "apiframe", event, url, headers, body, jobId: job.id, prompt: job.prompt };
        },
      });
    };
    const halfway = () => job.createdAt + job.latencyMs / 2;
    send("progress", () => ({ status: "PROCESSING", progress: 50, model: job.model }), () =>
      job.cancelledAt !== null && job.cancelledAt < halfway() ? null : halfway(),
    );
    const atEnd = () => (job.cancelledAt !== null ? null : endAt(job));
    if (failure(job) === null)
      send("completed", () => ({ status: "COMPLETED", progress: 100, result: resultOf(job), model: job.model, creditCost: job.cost, completedAt: iso(endAt(job)) }), atEnd);
    else send("failed", () => ({ status: "FAILED", error: failure(job), model: job.model }), atEnd);
  }

  const keyOf = (c: Context<SimEnv>) => {
    const key = c.req.header("x-api-key") ?? "";
    return API_KEY.test(key) ? key : null;
  };
  const denied = (c: Context<SimEnv>) =>
    Response.json({ error: c.req.header("x-api-key") === undefined ? "Missing API key" : "Invalid API key" }, { status: 401 });

  app.post("/v2/images/generate", async (c) => {
    const key = keyOf(c);
    if (key === null) return denied(c);
    if (key.startsWith("afk_forbidden")) return Response.json({ error: "This API key may not create jobs" }, { status: 403 });
    const parsed = await readJson(c.req.raw);
    const prompt = parsed.ok ? promptOf(parsed.value) : null;
    const idempotencyKey = c.req.header("idempotency-key") ?? null;
    note(c, { prompt, model: parsed.ok ? modelOf(parsed.value) : null });
    const fault = state.faults.takeApi("apiframe", prompt, true);
    if (fault !== null && fault.fault !== "hang_after_create") return faultResponse(c, fault);
    if (!parsed.ok) return validation({ body: [`Invalid JSON: ${parsed.error}`] });
    if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > 255))
      return validation({ "Idempotency-Key": ["must be 1 to 255 characters"] });
    const replayKey = `${key}\n${idempotencyKey}`;
    const previous = idempotencyKey === null ? undefined : replays.get(replayKey);
    if (previous !== undefined && Date.now() - previous.at < DAY_MS) {
      if (previous.body !== canonicalJson(parsed.value))
        return Response.json({ error: "Idempotency-Key was already used with a different request body" }, { status: 409 });
      note(c, { jobId: previous.jobId });
      return Response.json({ jobId: previous.jobId, status: "QUEUED" }, { status: 202, headers: { "idempotent-replayed": "true" } });
    }
    const r = apiframeCreateBodySchema.safeParse(parsed.value);
    if (!r.success) return validation(issueDetails(r.error.issues));
    const body = r.data;
    const paramsKey = body.model === "gpt-image-1.5" ? "gptImageParams" : "gptImage2Params";
    const params = (body.model === "gpt-image-1.5" ? body.gptImageParams : body.gptImage2Params) ?? {};
    if (params.background === "transparent" && params.output_format === "jpeg")
      return validation({ [`${paramsKey}.background`]: ["transparent background needs output_format png or webp"] });
    note(c, { inputs: params.input_images ?? [] });
    const count = params.number_of_images ?? 1;
    const cost = PRICES[body.model][params.quality ?? "auto"] * count;
    if (key.startsWith("afk_nocredit"))
      return Response.json({ error: "Insufficient credits", creditsRequired: cost, creditsAvailable: 0 }, { status: 402 });
    const faults = state.faults.takeJob("apiframe", body.prompt);
    const [width, height] = SIZES[params.aspect_ratio ?? "1:1"];
    const job: Job = {
      id: crypto.randomUUID(), ownerKey: key, prompt: body.prompt, model: body.model, count, width, height, cost,
      webhookUrl: body.webhookUrl ?? null, webhookEvents: body.webhookEvents ?? ["completed", "failed"],
      webhookStatus: body.webhookUrl === undefined ? null : "pending", createdAt: Date.now(),
      latencyMs: faults.latency?.latencyMs ?? state.config.latencyMs, cancelledAt: null, faults,
      imageBase: c.var.bases.apiframeCdn,
    };
    jobs.set(job.id, job);
    if (idempotencyKey !== null) replays.set(replayKey, { body: canonicalJson(parsed.value), jobId: job.id, at: Date.now() });
    scheduleCallbacks(job);
    note(c, { jobId: job.id, fault: Object.keys(faults).join(",") || null });
    if (fault !== null) return faultResponse(c, fault);
    return Response.json({ jobId: job.id, status: "QUEUED" }, { status: 202 });
  });

  async function withJob(c: Context<SimEnv>, then: (job: Job) => Response): Promise<Response> {
    const key = keyOf(c);
    if (key === null) return denied(c);
    const found = jobs.get(c.req.param("id") ?? "");
    const job = found?.ownerKey === key ? found : undefined;
    note(c, { jobId: c.req.param("id") ?? null, prompt: job?.prompt ?? null });
    const fault = state.faults.takeApi("apiframe", job?.prompt ?? null, false);
    if (fault !== null) return faultResponse(c, fault);
    return job === undefined ? Response.json({ error: "Job not found" }, { status: 404 }) : then(job);
  }

  app.get("/v2/jobs/:id", (c) => withJob(c, (job) => Response.json(view(job))));

  // ASSUMPTION: PROVIDERS.md names no cancel endpoint for apiframe; POST /v2/jobs/:id/cancel is our guess.
  app.post("/v2/jobs/:id/cancel", (c) =>
    withJob(c, (job) => {
      const { status } = phase(job);
      if (status !== "QUEUED" && status !== "PROCESSING")
        return Response.json({ error: `Job is already ${status}` }, { status: 409 });
      job.cancelledAt = Date.now();
      return Response.json({ jobId: job.id, status: "CANCELLED" });
    }),
  );

  app.get("/cdn/images/:file", async (c) => {
    const m = /^(.+)-(\d+)\.png$/.exec(c.req.param("file"));
    const job = m === null ? undefined : jobs.get(m[1]!);
    note(c, { jobId: m?.[1] ?? null, prompt: job?.prompt ?? null });
    const n = Number(m?.[2]);
    if (job === undefined || n < 1 || n > job.count || job.faults.image_404 !== undefined) return notFoundImage();
    const v = view(job);
    if (v.status !== "COMPLETED" || v.expired) return notFoundImage();
    const slow = job.faults.slow_image === undefined ? undefined : (job.faults.slow_image.latencyMs ?? 2000);
    const png = await renderPng(job.width, job.height, `${job.prompt}#${n - 1}`);
    if (job.faults.big_image?.bytes !== undefined) return paddedPngResponse(png, job.faults.big_image.bytes);
    return pngResponse(png, slow, c.req.raw.signal);
  });

  return app;
}
