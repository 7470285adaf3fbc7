// OpenAI Images API: generations (JSON) and edits (multipart or JSON), base64 output, optional SSE streaming.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { apiFaultResponse, sleep, type ActiveFault } from "./faults.ts";
import { renderPng, sniffImage, toBase64, trickle } from "./images.ts";
import { note, readJson, type SimEnv, type SimState } from "./state.ts";

const API_KEY = /^sk-[A-Za-z0-9_-]{8,}$/;
const GPT15_SIZES = ["1024x1024", "1536x1024", "1024x1536"];
const MAX_FILE_BYTES = 50 * 1024 * 1024;
/** Output tokens per 1024×1024 image by quality (gpt-image-1's published figures; scaled by area). */
const TOKENS_PER_MEGAPIXEL = { low: 272, medium: 1056, high: 4160 } as const;
const IMAGE_INPUT_TOKENS = 323;

const shared = {
  model: z.enum(["gpt-image-1.5", "gpt-image-2"]),
  prompt: z.string().min(1).max(32_000),
  n: z.int().min(1).max(10).optional(),
  size: z.string().optional(),
  quality: z.enum(["auto", "low", "medium", "high"]).optional(),
  background: z.enum(["auto", "transparent", "opaque"]).optional(),
  output_format: z.enum(["png", "jpeg", "webp"]).optional(),
  output_compression: z.int().min(0).max(100).optional(),
  moderation: z.enum(["auto", "low"]).optional(),
  stream: z.boolean().optional(),
  partial_images: z.int().min(0).max(3).optional(),
  user: z.string().optional(),
};
const imageRef = z.strictObject({ image_url: z.string().min(1) });
export const openaiGenerationBodySchema = z.strictObject(shared);
export const openaiEditBodySchema = z.strictObject({
  ...shared,
  input_fidelity: z.enum(["low", "high"]).optional(),
  images: z.array(imageRef).optional(),
  mask: imageRef.optional(),
});

type Spec = z.infer<typeof openaiEditBodySchema> & { inputImages: number };
type OpenAIError = { status: number; message: string; param: string | null; code: string | null; type?: string };

const errorResponse = (e: OpenAIError, headers?: Record<string, string>) =>
  Response.json(
    { error: { message: e.message, type: e.type ?? "invalid_request_error", param: e.param, code: e.code } },
    { status: e.status, headers },
  );
const bad = (message: string, param: string | null, code: string | null): OpenAIError => ({ status: 400, message, param, code });

function fromIssue(issue: z.core.$ZodIssue, body: Record<string, unknown>): OpenAIError {
  const param = issue.path.join(".") || null;
  if (issue.code === "unrecognized_keys") return bad(`Unknown parameter: '${issue.keys[0]}'.`, issue.keys[0]!, "unknown_parameter");
  if (issue.path.length === 1 && body[param!] === undefined)
    return bad(`Missing required parameter: '${param}'.`, param, "missing_required_parameter");
  if (issue.code === "too_big" && issue.origin === "number")
    return bad(`Invalid '${param}': integer above maximum value. Expected a value <= ${issue.maximum}.`, param, "integer_above_max_value");
  if (issue.code === "too_small" && issue.origin === "number")
    return bad(`Invalid '${param}': integer below minimum value. Expected a value >= ${issue.minimum}.`, param, "integer_below_min_value");
  if (issue.code === "invalid_type") return bad(`Invalid type for '${param}': expected ${issue.expected}.`, param, "invalid_type");
  return bad(`Invalid value for '${param}': ${issue.message}.`, param, "invalid_value");
}

/** Pixel size for `size`, or the reason it is refused (sizes per PROVIDERS.md; min pixels as SPEC.md §3.2). */
export function openaiSize(model: string, size: string | undefined): [number, number] | string {
  if (size === undefined || (size === "auto" && model === "gpt-image-1.5")) return [1024, 1024];
  const m = /^(\d+)x(\d+)$/.exec(size);
  if (model === "gpt-image-1.5")
    return m !== null && GPT15_SIZES.includes(size)
      ? [Number(m[1]), Number(m[2])]
      : `Invalid value: '${size}'. Supported values are: '1024x1024', '1024x1536', '1536x1024', and 'auto'.`;
  if (m === null) return `Invalid value: '${size}'. gpt-image-2 needs WIDTHxHEIGHT (auto is not supported).`;
  const [w, h] = [Number(m[1]), Number(m[2])];
  const long = Math.max(w, h);
  if (w % 16 !== 0 || h % 16 !== 0) return `Invalid size '${size}': width and height must be multiples of 16.`;
  if (long > 3840 || w * h > 3840 * 2160) return `Invalid size '${size}': at most 3840x2160.`;
  if (long / Math.min(w, h) > 3) return `Invalid size '${size}': the aspect ratio must be at most 3:1.`;
  if (w * h < 655_360) return `Invalid size '${size}': at least 655360 pixels.`;
  return [w, h];
}

function usage(spec: Spec, quality: "low" | "medium" | "high", w: number, h: number, n: number) {
  const text = Math.ceil(spec.prompt.length / 4);
  const image = spec.inputImages * IMAGE_INPUT_TOKENS;
  const output = Math.ceil((TOKENS_PER_MEGAPIXEL[quality] * w * h) / (1024 * 1024)) * n;
  return { input_tokens: text + image, input_tokens_details: { image_tokens: image, text_tokens: text }, output_tokens: output, total_tokens: text + image + output };
}

const rateLimitHeaders = (remaining: number, resetSeconds: number) => ({
  "x-ratelimit-limit-requests": "50",
  "x-ratelimit-remaining-requests": String(remaining),
  "x-ratelimit-reset-requests": `${resetSeconds}s`,
  "x-ratelimit-limit-tokens": "100000",
  "x-ratelimit-remaining-tokens": String(remaining === 0 ? 0 : 99_000),
  "x-ratelimit-reset-tokens": `${resetSeconds}s`,
});

function faultResponse(c: Context<SimEnv>, fault: ActiveFault): Promise<Response> {
  note(c, { fault: fault.fault });
  return apiFaultResponse(fault, c.req.raw.signal, {
    envelope: (status) => ({
      error:
        status === 429
          ? { message: "Rate limit reached for images per min. Please try again later.", type: "requests", param: null, code: "rate_limit_exceeded" }
          : status === 503
            ? { message: "The engine is currently overloaded, please try again later.", type: "server_error", param: null, code: null }
            : { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null },
    }),
    rateLimitHeaders: () => rateLimitHeaders(0, Number(fault.retryAfter ?? 1) || 1),
  });
}

/** Reads an edit's inputs: multipart files (`image` / `image[]`, `mask`) or JSON image URLs. */
async function readEdit(request: Request): Promise<{ body: Record<string, unknown>; images: Uint8Array[]; mask: Uint8Array | null } | OpenAIError> {
  const type = request.headers.get("content-type") ?? "";
  if (type.startsWith("multipart/form-data")) {
    let form: FormData;
    try {
      form = await request.formData();
    } catch {
      return bad("Could not parse multipart form.", null, null);
    }
    const body: Record<string, unknown> = {};
    const images: Uint8Array[] = [];
    let mask: Uint8Array | null = null;
    for (const [name, value] of form.entries()) {
      if (typeof value !== "string") {
        if (value.size >= MAX_FILE_BYTES) return bad(`File '${name}' is too large: must be under 50 MB.`, name, "file_too_large");
        const bytes = new Uint8Array(await value.arrayBuffer());
        if (name === "image" || name === "image[]") images.push(bytes);
        else if (name === "mask") mask = bytes;
        else return bad(`Unknown parameter: '${name}'.`, name, "unknown_parameter");
      } else if (["n", "output_compression", "partial_images"].includes(name) && /^\d+$/.test(value)) body[name] = Number(value);
      else if (name === "stream" && (value === "true" || value === "false")) body[name] = value === "true";
      else body[name] = value;
    }
    return { body, images, mask };
  }
  const parsed = await readJson(request);
  if (!parsed.ok) return bad(`We could not parse the JSON body of your request. (${parsed.error})`, null, null);
  const body = (typeof parsed.value === "object" && parsed.value !== null ? parsed.value : {}) as Record<string, unknown>;
  const decode = (ref: unknown): Uint8Array | "url" | null => {
    const url = (ref as { image_url?: unknown })?.image_url;
    if (typeof url !== "string") return null;
    if (url.startsWith("https://")) return "url";
    const m = /^data:image\/[a-z]+;base64,(.+)$/.exec(url);
    try {
      return m === null ? null : Uint8Array.from(atob(m[1]!), (ch) => ch.charCodeAt(0));
    } catch {
      return null;
    }
  };
  const images: Uint8Array[] = [];
  for (const ref of Array.isArray(body.images) ? body.images : []) {
    const bytes = decode(ref);
    if (bytes === null) return bad("Invalid 'images': each image_url must be an https URL or a base64 data URL.", "images", "invalid_value");
    // A remote URL is not fetched here (no outbound calls from the simulator); it stands in for a PNG.
    images.push(bytes === "url" ? new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) : bytes);
  }
  const mask = body.mask === undefined ? null : decode(body.mask);
  if (body.mask !== undefined && mask === null) return bad("Invalid 'mask': image_url must be an https URL or a base64 data URL.", "mask", "invalid_value");
  return { body, images, mask: mask === "url" ? new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) : mask };
}

export function openaiRoutes(state: SimState) {
  const app = new Hono<SimEnv>();

  async function handle(c: Context<SimEnv>, kind: "generation" | "edit"): Promise<Response> {
    const auth = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
    if (auth === null)
      return errorResponse({ status: 401, message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", param: null, code: null });
    if (!API_KEY.test(auth[1]!))
      return errorResponse({ status: 401, message: `Incorrect API key provided: ${auth[1]!.slice(0, 6)}***. You can find your API key at https://platform.openai.com/account/api-keys.`, param: null, code: "invalid_api_key" });
    const read =
      kind === "edit"
        ? await readEdit(c.req.raw)
        : await readJson(c.req.raw).then((r) =>
            r.ok ? { body: r.value as Record<string, unknown>, images: [], mask: null } : bad(`We could not parse the JSON body of your request. (${r.error})`, null, null),
          );
    const prompt = "body" in read && typeof read.body?.prompt === "string" ? read.body.prompt : null;
    const requestId = `req_${crypto.randomUUID().replace(/-/g, "")}`;
    note(c, { prompt, jobId: requestId });
    const fault = state.faults.takeApi("openai", prompt, true);
    if (fault !== null) return faultResponse(c, fault);
    if (!("body" in read)) return errorResponse(read);
    const { body, images, mask } = read;
    if (typeof body !== "object" || body === null || Array.isArray(body)) return errorResponse(bad("The body must be a JSON object.", null, null));
    const r = (kind === "edit" ? openaiEditBodySchema : openaiGenerationBodySchema).safeParse(body);
    if (!r.success) return errorResponse(fromIssue(r.error.issues[0]!, body));
    const spec: Spec = { ...r.data, inputImages: images.length };
    if (kind === "edit") {
      if (images.length === 0) return errorResponse(bad("Missing required parameter: 'image'.", "image", "missing_required_parameter"));
      if (images.length > 16) return errorResponse(bad(`Too many images: ${images.length}, at most 16.`, "image", "invalid_value"));
      if (images.some((b) => sniffImage(b) === null))
        return errorResponse(bad("Invalid image file: supported formats are png, webp and jpeg.", "image", "invalid_image_format"));
      if (mask !== null && sniffImage(mask) !== "png") return errorResponse(bad("Invalid mask: must be a png.", "mask", "invalid_image_format"));
      if (spec.model === "gpt-image-2" && spec.input_fidelity !== undefined)
        return errorResponse(bad("input_fidelity is not supported with gpt-image-2.", "input_fidelity", "unsupported_parameter"));
    }
    const size = openaiSize(spec.model, spec.size);
    if (typeof size === "string") return errorResponse(bad(size, "size", "invalid_value"));
    const outputFormat = spec.output_format ?? "png";
    if (spec.background === "transparent" && outputFormat === "jpeg")
      return errorResponse(bad("Transparent background needs output_format png or webp.", "background", "invalid_value"));

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
    const created = Math.floor(Date.now() / 1000);
    const slowMs = faults.slow_image === undefined ? undefined : (faults.slow_image.latencyMs ?? 2000);
    const signal = c.req.raw.signal;
    const alpha = meta.background === "transparent";
    if (spec.stream === true) return stream({ kind, spec, w, h, n, quality, meta, created, latencyMs, signal, headers, alpha });
    await sleep(latencyMs, signal);
    const data = [];
    for (let i = 0; i < n; i++) data.push({ b64_json: toBase64(await renderPng(w, h, `${spec.prompt}#${i}`, { alpha })) });
    const bytes = new TextEncoder().encode(JSON.stringify({ created, ...meta, data, usage: usage(spec, quality, w, h, n) }));
    return new Response(trickle(bytes, slowMs, signal), {
      headers: { ...headers, "content-type": "application/json", "content-length": String(bytes.length) },
    });
  }

  type StreamArgs = {
    kind: "generation" | "edit"; spec: Spec; w: number; h: number; n: number; quality: "low" | "medium" | "high";
    meta: Record<string, string>; created: number; latencyMs: number; signal: AbortSignal; headers: Record<string, string>;
    alpha: boolean;
  };

  /** SSE: per image, `partial_images` partial events (coarse renders), then a completed event; spread over the latency. */
  function stream(a: StreamArgs): Response {
    const prefix = a.kind === "edit" ? "image_edit" : "image_generation";
    const partials = a.spec.partial_images ?? 0;
    const step = a.latencyMs / (a.n * (partials + 1));
    const encoder = new TextEncoder();
    const event = (type: string, data: object) => encoder.encode(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        for (let i = 0; i < a.n && !a.signal.aborted; i++) {
          const seed = `${a.spec.prompt}#${i}`;
          for (let p = 0; p < partials && !a.signal.aborted; p++) {
            await sleep(step, a.signal);
            const b64 = toBase64(await renderPng(a.w, a.h, seed, { block: 2 ** (6 - p), alpha: a.alpha }));
            controller.enqueue(event(`${prefix}.partial_image`, { b64_json: b64, created_at: a.created, ...a.meta, partial_image_index: p }));
          }
          await sleep(step, a.signal);
          const b64 = toBase64(await renderPng(a.w, a.h, seed, { alpha: a.alpha }));
          controller.enqueue(event(`${prefix}.completed`, { b64_json: b64, created_at: a.created, ...a.meta, usage: usage(a.spec, a.quality, a.w, a.h, 1) }));
        }
        controller.close();
      },
    });
    return new Response(body, { headers: { ...a.headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
  }

  app.post("/v1/images/generations", (c) => handle(c, "generation"));
  app.post("/v1/images/edits", (c) => handle(c, "edit"));
  return app;
}
