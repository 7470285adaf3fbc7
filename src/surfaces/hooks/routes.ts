import { Hono, type Context } from "hono";
import type * as z from "zod";
import type { AppEnv } from "../../env";
import { sha256, timingSafeEqual, verifyHmacSha256 } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { FetchFailed, readCapped } from "../../lib/safe-fetch";
import { ApiframeCallback } from "../../providers/apiframe/wire";
import { LeonardoCallback } from "../../providers/leonardo/wire";
import { doc } from "../../docs/registry";
import { renderProblem } from "../native/problem";
import type { Received } from "./routes.docs";
import { wakeJob } from "./wake";

// Upstream callbacks (SPEC §4.5). Each is authenticated before its body is even parsed — Leonardo by the bearer token
// set on its key, apiframe by an HMAC of the raw body — and then only wakes the job. A bad token or signature is a 401
// and changes nothing. Documented in routes.docs.ts, with the schema of the answer.

const MAX_BODY_BYTES = 1024 * 1024;

export const hookRoutes = new Hono<AppEnv>();
hookRoutes.onError(renderProblem);

export const refused = (): ApiError => new ApiError("unauthorized", "The callback's credentials do not match.");
export const tooLarge = (): ApiError => new ApiError("payload_too_large", "A callback body is at most 1 MB.");

async function rawBody(c: Context<AppEnv>): Promise<Uint8Array> {
  if (!c.req.raw.body) return new Uint8Array(0);
  try {
    return await readCapped(c.req.raw.body, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof FetchFailed && err.kind === "too_large") throw tooLarge();
    throw new ApiError("invalid_request", "The callback body could not be read.");
  }
}

function parsed<T>(raw: Uint8Array, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }): T {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new ApiError("invalid_request", "The callback body is not JSON.");
  }
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError("invalid_request", "The callback body does not have the expected shape.");
  return result.data;
}

hookRoutes.post("/leonardo", doc("leonardoCallback"), async (c) => {
  const token = c.env.LEONARDO_WEBHOOK_TOKEN;
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (!token || !presented || !timingSafeEqual(presented, token)) throw refused();
  const body = parsed(await rawBody(c), LeonardoCallback);
  const received: z.infer<typeof Received> = { received: true, woke: await wakeJob(c.env, "leonardo", body.data.object.id, null) };
  return c.json(received);
});

hookRoutes.post("/apiframe", doc("apiframeCallback"), async (c) => {
  const apiKey = c.env.APIFRAME_API_KEY;
  const signature = /^sha256=([0-9a-fA-F]{64})$/.exec(c.req.header("x-webhook-signature") ?? "")?.[1];
  if (!apiKey || !signature) throw refused();
  const raw = await rawBody(c);
  if (!(await verifyHmacSha256(await sha256(apiKey), raw, signature))) throw refused();
  const body = parsed(raw, ApiframeCallback);
  const received: z.infer<typeof Received> = { received: true, woke: await wakeJob(c.env, "apiframe", body.jobId, c.req.query("job") ?? null) };
  return c.json(received);
});
