import type { Context } from "hono";
import { Hono } from "../../lib/hono-app";
import type * as z from "../../lib/zod";
import { doc } from "../../docs/registry";
import type { AppEnv } from "../../env";
import { CALLBACKS, wakeJob } from "../../jobs/callbacks";
import { readCapped } from "../../lib/capped-body";
import { ApiError } from "../../lib/errors";
import { FetchFailed } from "../../lib/fetch-errors";
import { renderProblem } from "../../lib/problem";
import { refused, tooLarge } from "./errors";
import type { Received } from "./routes.docs";

// Upstream callbacks (SPEC §4.5), POST /hooks/<provider> for each provider whose adapter has a callback (any other
// name is the app's 404). Each is authenticated by its adapter before its body is even parsed — Leonardo by the
// bearer token set on its key, apiframe by an HMAC of the raw body — and then only wakes the job. A bad token or
// signature is a 401 and changes nothing. Documented in routes.docs.ts, with the schema of the answer.

const MAX_BODY_BYTES = 1024 * 1024;

export const hookRoutes = new Hono<AppEnv>();
hookRoutes.onError(renderProblem);

async function rawBody(c: Context<AppEnv>): Promise<Uint8Array> {
  if (!c.req.raw.body) return new Uint8Array(0);
  try {
    return await readCapped(c.req.raw.body, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof FetchFailed && err.kind === "too_large") throw tooLarge();
    throw new ApiError("invalid_request", "The callback body could not be read.");
  }
}

function json(raw: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(raw));
  } catch {
    throw new ApiError("invalid_request", "The callback body is not JSON.");
  }
}

for (const [name, callback] of CALLBACKS) {
  hookRoutes.post(`/${name}`, doc(`${name}Callback`), async (c) => {
    // Read once, and only if the adapter's check or the parse below needs it.
    let raw: Promise<Uint8Array> | null = null;
    const body = (): Promise<Uint8Array> => (raw ??= rawBody(c));
    if (!(await callback.verify(c.req.raw.headers, body, c.env))) throw refused();
    const upstreamId = callback.upstreamId(json(await body()));
    if (upstreamId === null) throw new ApiError("invalid_request", "The callback body does not have the expected shape.");
    const jobHint = callback.jobHint?.(new URL(c.req.url)) ?? null;
    const received: z.infer<typeof Received> = { received: true, woke: await wakeJob(c.env, name, upstreamId, jobHint) };
    return c.json(received);
  });
}
