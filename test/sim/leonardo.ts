// Leonardo.AI: create v2, poll v1, delete, image CDN, completion callback (uploads: leonardo-upload.ts).
import { Hono, type Context } from "hono";
import type { JobFaults } from "./faults.ts";
import { notFoundImage, pngResponse, renderPng, slug } from "./images.ts";
import { leonardoUploads } from "./leonardo-upload.ts";
import {
  CREDITS_PER_IMAGE,
  DEFAULT_QUANTITY,
  denied,
  fail,
  faultResponse,
  invalid,
  issueText,
  keyOf,
  leonardoCreateBodySchema,
  leonardoSizeError,
  MAX_PER_CALL,
  userOf,
} from "./leonardo-wire.ts";
import { missingPrefix, modelRefusal, takesSeed } from "./leonardo-models.ts";
import { iso, modelOf, note, promptOf, readJson, type SimEnv, type SimState } from "./state.ts";

type Job = {
  id: string;
  ownerKey: string;
  prompt: string;
  model: string;
  width: number;
  height: number;
  seed: number | null;
  isPublic: boolean;
  createdAt: number;
  latencyMs: number;
  faults: JobFaults;
  imageIds: string[];
  imageUrls: string[];
  cost: number;
  deleted: boolean;
};

export function leonardoRoutes(state: SimState) {
  const app = new Hono<SimEnv>();
  const jobs = new Map<string, Job>();
  const jobOfImage = new Map<string, Job>();
  const uploads = leonardoUploads(state);
  const isDone = (job: Job, now = Date.now()) => now - job.createdAt >= job.latencyMs;
  const statusOf = (job: Job) => (!isDone(job) ? "PENDING" : job.faults.job_failed ? "FAILED" : "COMPLETE");
  const fileName = (job: Job, i: number) => `${slug(`${job.model} ${job.prompt}`)}_${i}.png`;

  state.resetters.push(() => (jobs.clear(), jobOfImage.clear()));
  state.advancers.push((ms, match, id) => {
    let n = 0;
    for (const j of jobs.values())
      if (id === j.id || (match !== undefined && j.prompt.includes(match))) (j.createdAt -= ms), n++;
    return n;
  });

  const view = (job: Job) => {
    const status = statusOf(job);
    return {
      id: job.id,
      status,
      generated_images:
        status === "COMPLETE" ? job.imageIds.map((id, i) => ({ id, url: job.imageUrls[i]!, nsfw: false })) : [],
      prompt: job.prompt,
      imageWidth: job.width,
      imageHeight: job.height,
      seed: job.seed,
      modelId: job.model,
      public: job.isPublic,
      createdAt: iso(job.createdAt),
    };
  };

  /** Leonardo calls back once per completed generation, to the URL set on the API key, with its token as bearer. */
  function scheduleCallback(job: Job): void {
    const hook = state.config.leonardo.byKey.has(job.ownerKey)
      ? state.config.leonardo.byKey.get(job.ownerKey)!
      : state.config.leonardo.fallback;
    if (hook === null || job.faults.no_callback) return;
    state.schedule({
      dueAt: () => (job.deleted ? null : job.createdAt + job.latencyMs),
      settle: () => {},
      build: async () => {
        if (statusOf(job) !== "COMPLETE") return null;
        const body = {
          type: "image_generation.complete",
          object: "generation",
          timestamp: Date.now(),
          api_version: "v1",
          data: {
            object: {
              id: job.id,
              status: "COMPLETE",
              images: job.imageIds.map((id, i) => ({ id, url: job.imageUrls[i]!, generationId: job.id, nsfw: false })),
              apiDollarCost: String(job.cost),
              createdAt: iso(job.createdAt),
              prompt: job.prompt,
              imageWidth: job.width,
              imageHeight: job.height,
              modelId: job.model,
              public: job.isPublic,
              apiKey: { id: userOf(job.ownerKey), webhookCallbackApiKey: hook.callbackToken, webhookCallbackUrl: hook.callbackUrl },
            },
          },
        };
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (hook.callbackToken !== null) headers.authorization = `Bearer ${hook.callbackToken}`;
        return { id: crypto.randomUUID(), provider: "leonardo", event: "image_generation.complete", url: hook.callbackUrl,
          headers, body: JSON.stringify(body), jobId: job.id, prompt: job.prompt };
      },
    });
  }

  /** UPLOADED and GENERATED ids must be the key's own; URL and BASE64 carry the image itself; the simulator makes no VARIATIONs. */
  function referenceExists(image: { id: string; type: string }, key: string): boolean {
    if (image.type === "UPLOADED") return uploads.isUploaded(image.id, key);
    if (image.type === "GENERATED") {
      const job = jobOfImage.get(image.id);
      return job?.ownerKey === key && statusOf(job) === "COMPLETE";
    }
    if (image.type === "URL") return URL.canParse(image.id) && image.id.startsWith("https://");
    if (image.type === "BASE64") return /^[A-Za-z0-9+/]+={0,2}$/.test(image.id.replace(/^data:image\/[a-z]+;base64,/, ""));
    return false;
  }

  app.post("/api/rest/v2/generations", async (c) => {
    const key = keyOf(c);
    if (key === null) return denied();
    const parsed = await readJson(c.req.raw);
    const prompt = parsed.ok ? promptOf(parsed.value) : null;
    note(c, { prompt, model: parsed.ok ? modelOf(parsed.value) : null });
    const fault = state.faults.takeApi("leonardo", prompt, true);
    if (fault !== null && fault.fault !== "hang_after_create") return faultResponse(c, fault);
    if (!parsed.ok) return fail(400, `invalid JSON body: ${parsed.error}`, "invalid-json");
    const raw = parsed.value as { model?: unknown; parameters?: Record<string, unknown> };
    if (typeof raw?.parameters === "object" && raw.parameters !== null && "mode" in raw.parameters)
      return invalid("parameters.mode is no longer supported since 2026-05-04: use parameters.quality");
    const unprefixed = missingPrefix(raw?.model);
    if (unprefixed !== null) return invalid(unprefixed);
    const r = leonardoCreateBodySchema.safeParse(parsed.value);
    if (!r.success) return invalid(issueText(r.error.issues[0]!));
    const { model, parameters: p } = r.data;
    const gone = state.models.passed("leonardo", model, p.prompt);
    if (gone !== null) return fail(400, `Model ${model} is no longer available: its provider retired it on ${gone}`);
    const refused = modelRefusal(r.data);
    if (refused !== null) return invalid(refused);
    const refs = p.guidances?.image_reference ?? [];
    const quantity = p.quantity ?? DEFAULT_QUANTITY;
    if (quantity > MAX_PER_CALL) return fail(400, `Too many images: quantity ${quantity} is above the maximum of ${MAX_PER_CALL}`);
    if ((p.width === undefined) !== (p.height === undefined)) return invalid("parameters.width and parameters.height go together");
    const width = p.width ?? 1024;
    const height = p.height ?? 1024;
    const sizeError = leonardoSizeError(model, width, height);
    if (sizeError !== null) return invalid(sizeError);
    for (const { image } of refs) if (!referenceExists(image, key)) return fail(400, `Image reference ${image.id} (${image.type}) was not found`);
    note(c, { inputs: refs.map((ref) => `${ref.image.type}:${ref.image.id}`) });
    const faults = state.faults.takeJob("leonardo", p.prompt);
    if (faults.moderated) return fail(400, "This prompt was blocked by our content moderation filter.");
    const id = crypto.randomUUID();
    const job: Job = {
      id, ownerKey: key, prompt: p.prompt, model, width, height,
      seed: takesSeed(model) ? (p.seed ?? Math.floor(Math.random() * 4294967295)) : null,
      isPublic: r.data.public ?? false, createdAt: Date.now(),
      latencyMs: faults.latency?.latencyMs ?? state.config.latencyMs, faults,
      imageIds: Array.from({ length: quantity }, () => crypto.randomUUID()), imageUrls: [],
      cost: CREDITS_PER_IMAGE[p.quality ?? "MEDIUM"] * quantity, deleted: false,
    };
    job.imageUrls = job.imageIds.map((_, i) => `${c.var.bases.leonardoCdn}/users/${userOf(key)}/generations/${id}/${fileName(job, i)}`);
    jobs.set(id, job);
    for (const imageId of job.imageIds) jobOfImage.set(imageId, job);
    scheduleCallback(job);
    note(c, { jobId: id, fault: Object.keys(faults).join(",") || null });
    if (fault !== null) return faultResponse(c, fault);
    return Response.json({ generate: { generationId: id, apiCreditCost: job.cost } });
  });

  /** Looks the job up for its owner, notes the call, and applies any API fault. */
  async function withJob(c: Context<SimEnv>, then: (job: Job | null) => Response): Promise<Response> {
    const key = keyOf(c);
    if (key === null) return denied();
    const found = jobs.get(c.req.param("id") ?? "");
    const job = found !== undefined && !found.deleted && found.ownerKey === key ? found : null;
    note(c, { jobId: c.req.param("id") ?? null, prompt: job?.prompt ?? null });
    const fault = state.faults.takeApi("leonardo", job?.prompt ?? null, false);
    return fault !== null ? faultResponse(c, fault) : then(job);
  }

  app.get("/api/rest/v1/generations/:id", (c) =>
    withJob(c, (job) => Response.json({ generations_by_pk: job === null ? null : view(job) })),
  );

  app.delete("/api/rest/v1/generations/:id", (c) =>
    withJob(c, (job) => {
      if (job !== null) job.deleted = true;
      return Response.json({ delete_generations_by_pk: job === null ? null : { id: job.id } });
    }),
  );

  uploads.routes(app);

  app.get("/cdn/users/:user/generations/:gen/:file", async (c) => {
    const job = jobs.get(c.req.param("gen"));
    note(c, { jobId: c.req.param("gen"), prompt: job?.prompt ?? null });
    const index = job === undefined ? -1 : job.imageIds.findIndex((_, i) => fileName(job, i) === c.req.param("file"));
    if (job === undefined || index < 0 || job.deleted || statusOf(job) !== "COMPLETE" || job.faults.image_404 !== undefined)
      return notFoundImage();
    const slow = job.faults.slow_image === undefined ? undefined : (job.faults.slow_image.latencyMs ?? 2000);
    return pngResponse(await renderPng(job.width, job.height, `${job.prompt}#${index}`), slow, c.req.raw.signal);
  });

  return app;
}
