import { Hono, type Context } from "hono";
import * as z from "zod";
import type { AppEnv } from "../../env";
import { sha256, timingSafeEqual, verifyHmacSha256 } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { FetchFailed, readCapped } from "../../lib/safe-fetch";
import { ApiframeCallback } from "../../providers/apiframe/wire";
import { LeonardoCallback } from "../../providers/leonardo/wire";
import { doc } from "../../docs/registry";
import { problems, renderProblem } from "../../surfaces/native/problem";
import { wakeJob } from "./wake";

// Upstream callbacks (SPEC §4.5). Each is authenticated before its body is even parsed — Leonardo by the bearer token
// set on its key, apiframe by an HMAC of the raw body — and then only wakes the job. A bad token or signature is a 401
// and changes nothing.

const MAX_BODY_BYTES = 1024 * 1024;

export const hooks = new Hono<AppEnv>();
hooks.onError(renderProblem);

const refused = (): ApiError => new ApiError("unauthorized", "The callback's credentials do not match.");
const tooLarge = (): ApiError => new ApiError("payload_too_large", "A callback body is at most 1 MB.");

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

const Received = z
  .object({ received: z.literal(true), woke: z.boolean().meta({ description: "Whether a job was waiting for this upstream id." }) })
  .meta({ id: "CallbackReceived", examples: [{ received: true, woke: true }] });

const TAG = "Provider callbacks";
const CALLBACK_ERRORS = problems(new ApiError("invalid_request", "The callback body does not have the expected shape."), refused(), tooLarge());
const WHAT_IT_DOES =
  "It only wakes the job that waits for the upstream id: the job's next poll confirms the state with the provider, " +
  "so the callback's content is never trusted. Wrong credentials are a 401 and change nothing.";

const leonardoDoc = doc({
  operationId: "leonardoCallback",
  summary: "Leonardo callback",
  description: `Leonardo's webhook, set up on the Leonardo API key with this URL and \`LEONARDO_WEBHOOK_TOKEN\` as its bearer token. ${WHAT_IT_DOES}`,
  tag: TAG,
  auth: "callback",
  body: { content: { "application/json": LeonardoCallback } },
  responses: { 200: { description: "Received.", schema: Received }, ...CALLBACK_ERRORS },
});

hooks.post("/leonardo", leonardoDoc, async (c) => {
  const token = c.env.LEONARDO_WEBHOOK_TOKEN;
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (!token || !presented || !timingSafeEqual(presented, token)) throw refused();
  const body = parsed(await rawBody(c), LeonardoCallback);
  const received: z.infer<typeof Received> = { received: true, woke: await wakeJob(c.env, "leonardo", body.data.object.id, null) };
  return c.json(received);
});

const apiframeDoc = doc({
  operationId: "apiframeCallback",
  summary: "apiframe callback",
  description: `apiframe's webhook, which imagegate asks for on each job it submits. ${WHAT_IT_DOES}`,
  tag: TAG,
  auth: "callback",
  params: {
    "X-Webhook-Signature": { in: "header", required: true, description: "`sha256=<hex>`: HMAC-SHA256 of the raw body, keyed with the SHA-256 of the apiframe API key." },
    job: { in: "query", description: "The imagegate job id, added to the callback URL imagegate gives apiframe." },
  },
  body: { content: { "application/json": ApiframeCallback } },
  responses: { 200: { description: "Received.", schema: Received }, ...CALLBACK_ERRORS },
});

hooks.post("/apiframe", apiframeDoc, async (c) => {
  const apiKey = c.env.APIFRAME_API_KEY;
  const signature = /^sha256=([0-9a-fA-F]{64})$/.exec(c.req.header("x-webhook-signature") ?? "")?.[1];
  if (!apiKey || !signature) throw refused();
  const raw = await rawBody(c);
  if (!(await verifyHmacSha256(await sha256(apiKey), raw, signature))) throw refused();
  const body = parsed(raw, ApiframeCallback);
  const received: z.infer<typeof Received> = { received: true, woke: await wakeJob(c.env, "apiframe", body.jobId, c.req.query("job") ?? null) };
  return c.json(received);
});
