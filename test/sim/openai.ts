// OpenAI Images API: generations (JSON) and edits (multipart or JSON), base64 output (PNG, or GPT Image 2.6's animated
// GIF and SVG), optional SSE streaming; GET /v1/models with each model's shutdown_date. Wire details: openai-wire.ts;
// what each model takes: openai-models.ts.
import { Hono, type Context } from "hono";
import { sleep } from "./faults.ts";
import { renderGif } from "./gif.ts";
import { paddedPng, renderPng, sniffImage, toBase64, trickle } from "./images.ts";
import { familyOf, gifGrid, modelRefusal, OPENAI_MODELS, openaiSize } from "./openai-models.ts";
import {
  authError,
  bad,
  errorResponse,
  faultResponse,
  fromIssue,
  openaiEditBodySchema,
  openaiGenerationBodySchema,
  rateLimitHeaders,
  readEdit,
  readGeneration,
} from "./openai-wire.ts";
import { modelOf, note, type SimEnv, type SimState } from "./state.ts";
import { renderSvg } from "./svg.ts";

export { openaiEditBodySchema, openaiGenerationBodySchema } from "./openai-wire.ts";

/**
 * Output tokens per 1024×1024 image by quality (gpt-image-1's published figures for low…high; xhigh and max invented,
 * as OpenAI publishes none); scaled by area.
 */
const TOKENS_PER_MEGAPIXEL = { low: 272, medium: 1056, high: 4160, xhigh: 6240, max: 8320 } as const;
type BilledQuality = keyof typeof TOKENS_PER_MEGAPIXEL;
const IMAGE_INPUT_TOKENS = 323;
/** GIF defaults (PROVIDERS.md); its delays are kept in hundredths of a second. */
const GIF_FRAMES = 9;
const GIF_DURATION_MS = 200;

type Render = { w: number; h: number; alpha: boolean; format: string; gif: { frames: number; delayMs: number } | null };

/** One image's bytes in the asked format; `block` > 1 is a partial's coarse look (rasters only). */
async function render(r: Render, seed: string, block?: number): Promise<Uint8Array> {
  if (r.gif !== null) return renderGif(r.w, r.h, seed, { ...r.gif, alpha: r.alpha });
  if (r.format === "svg") return renderSvg(r.w, r.h, seed, { alpha: r.alpha });
  return renderPng(r.w, r.h, seed, { block, alpha: r.alpha });
}

function usage(prompt: string, inputImages: number, quality: BilledQuality, pixels: number, n: number) {
  const text = Math.ceil(prompt.length / 4);
  const image = inputImages * IMAGE_INPUT_TOKENS;
  const output = Math.ceil((TOKENS_PER_MEGAPIXEL[quality] * pixels) / (1024 * 1024)) * n;
  return { input_tokens: text + image, input_tokens_details: { image_tokens: image, text_tokens: text }, output_tokens: output, total_tokens: text + image + output };
}

const modelView = (state: SimState, m: (typeof OPENAI_MODELS)[number]) => ({
  id: m.id,
  object: "model",
  created: Math.floor(Date.parse(`${m.released}T00:00:00Z`) / 1000),
  owned_by: "system",
  shutdown_date: state.models.listed("openai", m.id),
});

export function openaiRoutes(state: SimState) {
  const app = new Hono<SimEnv>();

  async function handle(c: Context<SimEnv>, kind: "generation" | "edit"): Promise<Response> {
    const denied = authError(c);
    if (denied !== null) return denied;
    const read = kind === "edit" ? await readEdit(c.req.raw) : await readGeneration(c.req.raw);
    const prompt = "body" in read && typeof read.body?.prompt === "string" ? read.body.prompt : null;
    const requestId = `req_${crypto.randomUUID().replace(/-/g, "")}`;
    note(c, { prompt, jobId: requestId, model: "body" in read ? modelOf(read.body) : null });
    const fault = state.faults.takeApi("openai", prompt, true);
    if (fault !== null) return faultResponse(c, fault);
    if (!("body" in read)) return errorResponse(read);
    const { body, images, mask } = read;
    if (typeof body !== "object" || body === null || Array.isArray(body)) return errorResponse(bad("The body must be a JSON object.", null, null));
    const model = modelOf(body);
    if (model !== null && state.models.has("openai", model) && state.models.passed("openai", model, prompt) !== null)
      return errorResponse({ status: 404, param: null, code: "model_not_found",
        message: `The model \`${model}\` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations` });
    const r = (kind === "edit" ? openaiEditBodySchema : openaiGenerationBodySchema).safeParse(body);
    if (!r.success) return errorResponse(fromIssue(r.error.issues[0]!, body));
    const spec = r.data;
    if (kind === "edit") {
      if (images.length === 0) return errorResponse(bad("Missing required parameter: 'image'.", "image", "missing_required_parameter"));
      if (images.length > 16) return errorResponse(bad(`Too many images: ${images.length}, at most 16.`, "image", "invalid_value"));
      if (images.some((b) => sniffImage(b) === null))
        return errorResponse(bad("Invalid image file: supported formats are png, webp and jpeg.", "image", "invalid_image_format"));
      if (mask !== null && sniffImage(mask) !== "png") return errorResponse(bad("Invalid mask: must be a png.", "mask", "invalid_image_format"));
    }
    const refusal = modelRefusal(spec, kind, mask !== null);
    if (refusal !== null) return errorResponse(bad(refusal.message, refusal.param, refusal.code));
    const outputFormat = spec.output_format ?? "png";
    const gif = outputFormat === "gif" ? { frames: spec.frame_count ?? GIF_FRAMES, delayMs: Math.round((spec.frame_duration_ms ?? GIF_DURATION_MS) / 10) * 10 } : null;
    const size = openaiSize(familyOf(spec.model), spec.size, gif?.frames);
    if (typeof size === "string") return errorResponse(bad(size, "size", "invalid_value"));
    if (spec.background === "transparent" && outputFormat === "jpeg")
      return errorResponse(bad("Transparent background needs output_format png or webp (or gif, svg on gpt-image-2.6).", "background", "invalid_value"));

    note(c, { inputs: images.map((b) => sniffImage(b) ?? "unknown") });
    const faults = state.faults.takeJob("openai", spec.prompt);
    note(c, { fault: Object.keys(faults).join(",") || null });
    if (faults.moderated)
      return errorResponse({ status: 400, type: "image_generation_user_error", param: null, code: "moderation_blocked",
        message: "Your request was rejected as a result of our safety system. Your request may contain content that is not allowed by our safety system." });
    const latencyMs = faults.latency?.latencyMs ?? state.config.latencyMs;
    const headers = { "x-request-id": requestId, "openai-version": "2020-10-01", "openai-processing-ms": String(latencyMs), ...rateLimitHeaders(49, 1) };
    if (faults.job_failed) {
      await sleep(latencyMs, c.req.raw.signal);
      return errorResponse({ status: 500, type: "server_error", param: null, code: null, message: "The server had an error while processing your request. Sorry about that!" }, headers);
    }
    const [w, h] = size;
    const n = spec.n ?? 1;
    const quality = spec.quality === undefined || spec.quality === "auto" ? "medium" : spec.quality;
    const meta = { size: `${w}x${h}`, quality, background: spec.background === "transparent" ? "transparent" : "opaque", output_format: outputFormat };
    const look: Render = { w, h, alpha: meta.background === "transparent", format: outputFormat, gif };
    // A GIF's frames are drawn on one sheet: it is billed as the sheet's pixels.
    const [columns, rows] = gif === null ? [1, 1] : gifGrid(gif.frames);
    const billed = (count: number) => usage(spec.prompt, images.length, quality, w * h * columns * rows, count);
    const created = Math.floor(Date.now() / 1000);
    const signal = c.req.raw.signal;
    if (spec.stream === true) return stream({ kind, prompt: spec.prompt, partials: spec.partial_images ?? 0, n, look, meta, created, latencyMs, signal, headers, usage: () => billed(1) });
    await sleep(latencyMs, signal);
    const data = [];
    for (let i = 0; i < n; i++) {
      const image = await render(look, `${spec.prompt}#${i}`);
      // big_image: the PNG padded to `bytes`, as the answer of a very large image would carry it.
      const big = faults.big_image?.bytes;
      data.push({ b64_json: toBase64(big === undefined ? image : new Uint8Array(await new Response(paddedPng(image, big).body).arrayBuffer())) });
    }
    const bytes = new TextEncoder().encode(JSON.stringify({ created, ...meta, data, usage: billed(n) }));
    const slowMs = faults.slow_image === undefined ? undefined : (faults.slow_image.latencyMs ?? 2000);
    return new Response(trickle(bytes, slowMs, signal), {
      headers: { ...headers, "content-type": "application/json", "content-length": String(bytes.length) },
    });
  }

  type StreamArgs = {
    kind: "generation" | "edit"; prompt: string; partials: number; n: number; look: Render; meta: Record<string, string>;
    created: number; latencyMs: number; signal: AbortSignal; headers: Record<string, string>; usage: () => object;
  };

  /** SSE: per image, `partial_images` partial events (coarse renders), then a completed event; spread over the latency. */
  function stream(a: StreamArgs): Response {
    const prefix = a.kind === "edit" ? "image_edit" : "image_generation";
    const step = a.latencyMs / (a.n * (a.partials + 1));
    const encoder = new TextEncoder();
    const event = (type: string, data: object) => encoder.encode(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let i = 0; i < a.n && !a.signal.aborted; i++) {
          const seed = `${a.prompt}#${i}`;
          for (let p = 0; p < a.partials && !a.signal.aborted; p++) {
            await sleep(step, a.signal);
            const b64 = toBase64(await render(a.look, seed, 2 ** (6 - p)));
            controller.enqueue(event(`${prefix}.partial_image`, { b64_json: b64, created_at: a.created, ...a.meta, partial_image_index: p }));
          }
          await sleep(step, a.signal);
          const b64 = toBase64(await render(a.look, seed));
          controller.enqueue(event(`${prefix}.completed`, { b64_json: b64, created_at: a.created, ...a.meta, usage: a.usage() }));
        }
        controller.close();
      },
    });
    return new Response(body, { headers: { ...a.headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
  }

  app.post("/v1/images/generations", (c) => handle(c, "generation"));
  app.post("/v1/images/edits", (c) => handle(c, "edit"));

  /** Models calls take API faults like any other call (prompt-less: only faults without `match` reach them). */
  async function withModels(c: Context<SimEnv>, then: () => Response): Promise<Response> {
    const denied = authError(c);
    if (denied !== null) return denied;
    const fault = state.faults.takeApi("openai", null, false);
    return fault !== null ? faultResponse(c, fault) : then();
  }

  app.get("/v1/models", (c) => withModels(c, () => Response.json({ object: "list", data: OPENAI_MODELS.map((m) => modelView(state, m)) })));
  app.get("/v1/models/:id", (c) =>
    withModels(c, () => {
      const found = OPENAI_MODELS.find((m) => m.id === c.req.param("id"));
      if (found !== undefined) return Response.json(modelView(state, found));
      return errorResponse({ status: 404, param: "model", code: "model_not_found",
        message: `The model '${c.req.param("id")}' does not exist or you do not have access to it.` });
    }),
  );
  return app;
}
