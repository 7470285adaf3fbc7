// The provider simulator: Leonardo.AI, apiframe.ai and OpenAI wire formats (shared/PROVIDERS.md) in one fetch handler.
//
// Two ways of addressing it:
// - host mode (the Vitest outbound service, in-process scripts): the real hostnames, e.g.
//   https://cloud.leonardo.ai/api/rest/v2/generations; the URLs it hands out are the real ones.
// - prefix mode (standalone server, loopback and *.test / *.localhost hosts): /leonardo/api/rest/…, /leonardo/cdn/…,
//   /leonardo/upload/, /apiframe/v2/…, /apiframe/cdn/images/…, /openai/v1/…; the URLs it hands out point back at it.
// https://hooks.test/<name> is a webhook receiver for the tests (receiver.ts), programmed under /_sim/receiver/<name>.
// /_sim/… (control.ts) answers on any host. Anything else answers 599 and is listed at GET /_sim/unexpected.
import { Hono, type MiddlewareHandler } from "hono";
import { apiframeRoutes } from "./apiframe.ts";
import { controlRoutes } from "./control.ts";
import { leonardoRoutes } from "./leonardo.ts";
import { UPLOAD_BUCKET } from "./leonardo-wire.ts";
import { openaiRoutes } from "./openai.ts";
import { RECEIVER_HOST, RECEIVER_PREFIX, receiverRoutes } from "./receiver.ts";
import { createState, type Bases, type CallRecord, type Provider, type SimEnv, type SimOptions, type SimState } from "./state.ts";

export type { SimOptions, SimState } from "./state.ts";
export const LEONARDO_UPLOAD_HOST = `${UPLOAD_BUCKET}.s3.amazonaws.com`;

/** Real hostname → the simulator's own prefix for it, and the path prefix that host serves. */
const HOSTS: Record<string, [prefix: string, serves: string]> = {
  "cloud.leonardo.ai": ["/leonardo", "/api/rest/"],
  "cdn.leonardo.ai": ["/leonardo/cdn", "/"],
  [LEONARDO_UPLOAD_HOST]: ["/leonardo/upload", "/"],
  "api.apiframe.ai": ["/apiframe", "/v2/"],
  "cdn2.apiframe.ai": ["/apiframe/cdn", "/images/"],
  "api.openai.com": ["/openai", "/v1/"],
};

const REAL_BASES: Bases = {
  leonardoCdn: "https://cdn.leonardo.ai",
  leonardoUpload: `https://${LEONARDO_UPLOAD_HOST}/`,
  apiframeCdn: "https://cdn2.apiframe.ai",
};

const isLocal = (host: string) =>
  host === "localhost" || host.endsWith(".localhost") || host.endsWith(".test") || host.startsWith("127.") || host === "[::1]";

/** No route has this path, so it ends in notFound → 599. */
const UNEXPECTED = "/\u0000unexpected";

function routeOf(request: Request): { path: string; bases: Bases } {
  const url = new URL(request.url);
  const path = url.pathname;
  const host = HOSTS[url.hostname];
  if (url.hostname === RECEIVER_HOST && !path.startsWith("/_sim")) return { path: RECEIVER_PREFIX + path, bases: REAL_BASES };
  if (host !== undefined) {
    if (path === "/_sim" || path.startsWith("/_sim/")) return { path, bases: REAL_BASES };
    return { path: path.startsWith(host[1]) ? host[0] + path : UNEXPECTED, bases: REAL_BASES };
  }
  if (path === "/_sim" || path.startsWith("/_sim/") || (isLocal(url.hostname) && /^\/(leonardo|apiframe|openai)\//.test(path)))
    return {
      path,
      bases: {
        leonardoCdn: `${url.origin}/leonardo/cdn`,
        leonardoUpload: `${url.origin}/leonardo/upload/`,
        apiframeCdn: `${url.origin}/apiframe/cdn`,
      },
    };
  return { path: UNEXPECTED, bases: REAL_BASES };
}

/** Records every call a provider receives (its provider-relative path, as in host mode). */
function recordCalls(state: SimState, provider: Provider): MiddlewareHandler<SimEnv> {
  return async (c, next) => {
    const rest = c.req.path.slice(provider.length + 1);
    const kind = rest.startsWith("/cdn/") ? "image" : rest.startsWith("/upload/") ? "upload" : "api";
    const call: CallRecord = {
      provider,
      kind,
      method: c.req.method,
      path: kind === "image" ? rest.slice("/cdn".length) : kind === "upload" ? rest.slice("/upload".length) : rest,
      idempotencyKey: c.req.header("idempotency-key") ?? null,
      at: Date.now(),
      status: null,
      jobId: null,
      prompt: null,
      fault: null,
      inputs: null,
      model: null,
    };
    c.set("call", call);
    state.record(call);
    await next();
    if (c.res.status === 599) state.calls.splice(state.calls.lastIndexOf(call), 1);
    else call.status = c.res.status;
  };
}

export function createSimulator(options: SimOptions = {}): { fetch(request: Request): Promise<Response>; state: SimState } {
  const state = createState(options);
  const app = new Hono<SimEnv>({ getPath: (request) => routeOf(request).path });

  app.use("*", async (c, next) => {
    c.set("bases", routeOf(c.req.raw).bases);
    await state.sweep();
    await next();
  });
  for (const provider of ["leonardo", "apiframe", "openai"] as const) app.use(`/${provider}/*`, recordCalls(state, provider));
  app.route("/", receiverRoutes(state));
  app.route("/_sim", controlRoutes(state));
  app.route("/leonardo", leonardoRoutes(state));
  app.route("/apiframe", apiframeRoutes(state));
  app.route("/openai", openaiRoutes(state));

  app.notFound((c) => {
    state.unexpected.push({ method: c.req.method, url: c.req.url, at: Date.now() });
    return Response.json({ error: "unexpected outbound call", url: c.req.url }, { status: 599 });
  });
  app.onError((err) => {
    console.error("simulator error:", err);
    return Response.json({ error: "simulator error", message: String(err) }, { status: 500 });
  });

  return { fetch: async (request) => app.fetch(request), state };
}
