// Leonardo.AI wire details shared by the generation and upload routes: auth, body schema, size rules, error forms.
import type { Context } from "hono";
import { z } from "zod";
import { apiFaultResponse, type ActiveFault } from "./faults.ts";
import { LEONARDO_MODEL_IDS, takesCustomSizes } from "./leonardo-models.ts";
import { note, type SimEnv } from "./state.ts";

export const MAX_PER_CALL = 8;
/** Leonardo's default quantity for these models when the body omits it (PROVIDERS.md: "some models default to 4"). */
export const DEFAULT_QUANTITY = 4;
export const UPLOAD_BUCKET = "image-flex-213441772509";
const API_KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Invented prices (apiCreditCost per image); PROVIDERS.md only shows one example value. */
export const CREDITS_PER_IMAGE = { LOW: 12, MEDIUM: 48, HIGH: 190 } as const;
const GPT15_SIZES = [[1024, 1024], [1536, 1024], [1024, 1536]];
const GPT2_PRESETS = [[1024, 1024], [848, 1264], [1264, 848], [1376, 768], [768, 1376]];

const referenceSchema = z.strictObject({
  image: z.strictObject({ id: z.string().min(1), type: z.enum(["UPLOADED", "GENERATED", "VARIATION", "URL", "BASE64"]) }),
  strength: z.enum(["LOW", "MID", "HIGH"]).optional(),
  order: z.int().min(0).optional(),
});

/** Every field any model takes; what each model refuses of them is leonardo-models.ts's `modelRefusal`. */
export const leonardoCreateBodySchema = z.strictObject({
  public: z.boolean().optional(),
  model: z.enum(LEONARDO_MODEL_IDS),
  parameters: z.strictObject({
    prompt: z.string().min(1),
    quality: z.enum(["LOW", "MEDIUM", "HIGH"]).optional(),
    quantity: z.int().min(1).optional(),
    width: z.int().min(1).optional(),
    height: z.int().min(1).optional(),
    seed: z.int().min(0).max(4294967295).optional(),
    prompt_enhance: z.enum(["ON", "OFF"]).optional(),
    complexity: z.enum(["LOW", "MEDIUM", "HIGH"]).optional(),
    annotation: z.boolean().optional(),
    style_ids: z.array(z.uuid()).optional(),
    guidances: z.strictObject({ image_reference: z.array(referenceSchema).optional() }).optional(),
  }),
});

/** The size rules of SPEC.md §3, with a message that says what is allowed. */
export function leonardoSizeError(model: string, w: number, h: number): string | null {
  const is = (sizes: number[][]) => sizes.some(([sw, sh]) => sw === w && sh === h);
  if (!takesCustomSizes(model))
    return is(GPT15_SIZES) ? null : `size ${w}x${h} is not supported by ${model}: use 1024x1024, 1536x1024 or 1024x1536`;
  if (is(GPT2_PRESETS)) return null;
  const long = Math.max(w, h);
  const short = Math.min(w, h);
  if (long >= 3840) return `size ${w}x${h} is too large: ${model} needs max(width, height) < 3840`;
  if (w % 16 !== 0 || h % 16 !== 0) return `size ${w}x${h}: ${model} needs width and height to be multiples of 16`;
  if (long / short > 3) return `size ${w}x${h}: ${model} needs an aspect ratio of at most 3:1`;
  if (w * h < 655_360 || w * h > 8_294_400)
    return `size ${w}x${h} has ${w * h} pixels: ${model} needs 655360 ≤ width × height ≤ 8294400`;
  return null;
}

export const envelope = (error: string, code = "unexpected") => ({ error, path: "$", code });
export const fail = (status: number, error: string, code?: string) => Response.json(envelope(error, code), { status });
/** Body validation errors come in the array form some v2 errors use. */
export const invalid = (message: string) => Response.json([{ message, extensions: { code: "BAD_USER_INPUT" } }], { status: 400 });
export const denied = () => fail(401, "authentication hook unauthorized this request", "access-denied");
export const s3Error = (status: number, code: string, message: string) =>
  new Response(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`, {
    status,
    headers: { "content-type": "application/xml" },
  });

export function faultResponse(c: Context<SimEnv>, fault: ActiveFault): Promise<Response> {
  note(c, { fault: fault.fault });
  return apiFaultResponse(fault, c.req.raw.signal, {
    envelope: (status) =>
      envelope(status === 429 ? "Too many requests, please slow down" : "Something went wrong, please try again", "unexpected"),
  });
}

export const issueText = (issue: z.core.$ZodIssue): string => {
  const path = issue.path.join(".");
  if (issue.code === "unrecognized_keys") return `unexpected field(s) ${issue.keys.map((k) => (path ? `${path}.${k}` : k)).join(", ")}`;
  return `${path || "body"}: ${issue.message}`;
};

/** The bearer key when it is UUID-shaped (Leonardo keys are UUIDs), else null. */
export function keyOf(c: Context<SimEnv>): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "");
  return m !== null && API_KEY.test(m[1]!) ? m[1]! : null;
}

/** A stable, UUID-shaped user id for an API key (it appears in image URLs and upload keys). */
export function userOf(key: string): string {
  let hex = "";
  for (let round = 0; hex.length < 32; round++) {
    let h = 0x811c9dc5 ^ round;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
    hex += (h >>> 0).toString(16).padStart(8, "0");
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
