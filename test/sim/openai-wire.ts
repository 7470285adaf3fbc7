// OpenAI Images API wire details shared by the image and model routes: auth, body schemas, the error envelope, rate
// limit headers, and reading an edit's inputs (multipart or JSON).
import type { Context } from "hono";
import { z } from "zod";
import { apiFaultResponse, type ActiveFault } from "./faults.ts";
import { OPENAI_MODEL_IDS } from "./openai-models.ts";
import { note, readJson, type SimEnv } from "./state.ts";

const API_KEY = /^sk-[A-Za-z0-9_-]{8,}$/;
const MAX_FILE_BYTES = 50 * 1024 * 1024;
/** What a remote image_url stands for: the simulator makes no outbound calls, so it is taken to be a PNG. */
const REMOTE_IMAGE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Every field any model takes; what each model refuses of them is openai-models.ts's `modelRefusal`. */
const shared = {
  model: z.enum(OPENAI_MODEL_IDS),
  prompt: z.string().min(1).max(32_000),
  n: z.int().min(1).max(10).optional(),
  size: z.string().optional(),
  quality: z.enum(["auto", "low", "medium", "high", "xhigh", "max"]).optional(),
  complexity: z.enum(["low", "medium", "high"]).optional(),
  background: z.enum(["auto", "transparent", "opaque"]).optional(),
  output_format: z.enum(["png", "jpeg", "webp", "gif", "svg"]).optional(),
  output_compression: z.int().min(0).max(100).optional(),
  frame_count: z.int().min(2).max(16).optional(),
  frame_duration_ms: z.int().min(20).max(655_350).optional(),
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
/** Multipart fields that carry integers. */
const INT_FIELDS = ["n", "output_compression", "partial_images", "frame_count", "frame_duration_ms"];

export type OpenAIError = { status: number; message: string; param: string | null; code: string | null; type?: string };

export const errorResponse = (e: OpenAIError, headers?: Record<string, string>) =>
  Response.json(
    { error: { message: e.message, type: e.type ?? "invalid_request_error", param: e.param, code: e.code } },
    { status: e.status, headers },
  );
export const bad = (message: string, param: string | null, code: string | null): OpenAIError => ({ status: 400, message, param, code });

export function fromIssue(issue: z.core.$ZodIssue, body: Record<string, unknown>): OpenAIError {
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

/** The 401 for a missing or malformed key, or null when the key has OpenAI's shape. */
export function authError(c: Context<SimEnv>): Response | null {
  const auth = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  if (auth === null)
    return errorResponse({ status: 401, message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).", param: null, code: null });
  if (!API_KEY.test(auth[1]!))
    return errorResponse({ status: 401, message: `Incorrect API key provided: ${auth[1]!.slice(0, 6)}***. You can find your API key at https://platform.openai.com/account/api-keys.`, param: null, code: "invalid_api_key" });
  return null;
}

export const rateLimitHeaders = (remaining: number, resetSeconds: number) => ({
  "x-ratelimit-limit-requests": "50",
  "x-ratelimit-remaining-requests": String(remaining),
  "x-ratelimit-reset-requests": `${resetSeconds}s`,
  "x-ratelimit-limit-tokens": "100000",
  "x-ratelimit-remaining-tokens": String(remaining === 0 ? 0 : 99_000),
  "x-ratelimit-reset-tokens": `${resetSeconds}s`,
});

export function faultResponse(c: Context<SimEnv>, fault: ActiveFault): Promise<Response> {
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

export type Inputs = { body: Record<string, unknown>; images: Uint8Array[]; mask: Uint8Array | null };

/** Reads a generation's JSON body. */
export async function readGeneration(request: Request): Promise<Inputs | OpenAIError> {
  const r = await readJson(request);
  return r.ok ? { body: r.value as Record<string, unknown>, images: [], mask: null } : bad(`We could not parse the JSON body of your request. (${r.error})`, null, null);
}

/** Reads an edit's inputs: multipart files (`image` / `image[]`, `mask`) or JSON image URLs. */
export async function readEdit(request: Request): Promise<Inputs | OpenAIError> {
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
      } else if (INT_FIELDS.includes(name) && /^\d+$/.test(value)) body[name] = Number(value);
      else if (name === "stream" && (value === "true" || value === "false")) body[name] = value === "true";
      else body[name] = value;
    }
    return { body, images, mask };
  }
  const parsed = await readJson(request);
  if (!parsed.ok) return bad(`We could not parse the JSON body of your request. (${parsed.error})`, null, null);
  const body = (typeof parsed.value === "object" && parsed.value !== null ? parsed.value : {}) as Record<string, unknown>;
  const decode = (ref: unknown): Uint8Array | null => {
    const url = (ref as { image_url?: unknown })?.image_url;
    if (typeof url !== "string") return null;
    if (url.startsWith("https://")) return REMOTE_IMAGE;
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
    images.push(bytes);
  }
  const mask = body.mask === undefined ? null : decode(body.mask);
  if (body.mask !== undefined && mask === null) return bad("Invalid 'mask': image_url must be an https URL or a base64 data URL.", "mask", "invalid_value");
  return { body, images, mask };
}
