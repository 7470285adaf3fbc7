import { SELF, env } from "cloudflare:test";
import fc from "fast-check";
import { inject } from "vitest";
import { operations } from "../../src/docs/openapi";
import { app } from "../../src/index";
import { api, BASE } from "../helpers/api";
import { bodiless, extraHeaders, method } from "./arbitraries";
import { TINY_PNG } from "./bodies";
import { encodeMultipart } from "./multipart";
import { AIMS, type Surface } from "./routes";

// The fuzz harness: one property per surface, run FUZZ_RUNS times (vitest.config.ts: a quick run in `npm test`,
// `npm run fuzz` for the full one). Each case is one HTTP request through the Worker; the surface's check judges
// the answer. Every file prints its figures: `fuzz: <surface> cases=N ms=M failures=0`, then how many answers each
// route gave with each status (which shows how deep the cases got: a fuzzer that only ever meets 400 proves little).

export const RUNS = inject("fuzzRuns");
const SEED = inject("fuzzSeed");

/** Room for slow cases (huge bodies, a job that is admitted and waited for) on two shared cores. */
export const timeoutFor = (runs: number): number => 60_000 + runs * 60;

export interface FuzzRequest {
  /** Which route the case aims at: the check picks the success shape by it. */
  route: string;
  method: string;
  /** Path and query string, sent as they are. */
  path: string;
  headers: [string, string][];
  body: string | Uint8Array | null;
}

export interface FuzzAnswer {
  res: Response;
  bytes: Uint8Array;
  text: string;
}

export interface RouteSpec {
  route: string;
  /** The route's own method; other methods are tried now and then. */
  method: string;
  path: fc.Arbitrary<string>;
  headers: fc.Arbitrary<[string, string][]>;
  body?: fc.Arbitrary<{ contentType: string | null; body: string | Uint8Array }>;
}

/** Requests at one route: its method (or another), path, headers and body (none for GET and HEAD). */
export function requests(spec: RouteSpec): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: method(spec.method),
      path: spec.path,
      headers: spec.headers,
      extra: extraHeaders,
      body: spec.body ?? fc.constant(null),
    })
    .map(({ method: m, path, headers, extra, body }) => {
      const sendsBody = body !== null && !bodiless(m);
      const type: [string, string][] = sendsBody && body.contentType !== null ? [["content-type", body.contentType]] : [];
      return withSummary({ route: spec.route, method: m, path, headers: [...headers, ...type, ...extra], body: sendsBody ? body.body : null });
    });
}

/** A short description for fast-check's counterexample report (bodies can be megabytes). */
function summary(req: FuzzRequest): string {
  const body =
    req.body === null
      ? "no body"
      : typeof req.body === "string"
        ? `${req.body.length} chars: ${JSON.stringify(req.body.slice(0, 400))}`
        : `${req.body.length} bytes: ${Array.from(req.body.slice(0, 200), (b) => b.toString(16).padStart(2, "0")).join("")}`;
  return `${req.method} ${req.path} [${req.route}] headers=${JSON.stringify(req.headers)} body=${body}`;
}

export const withSummary = (req: FuzzRequest): FuzzRequest => Object.assign(req, { [fc.toStringMethod]: () => summary(req) });

/** The path the Worker sees once the URL is parsed ("/api/rest/.." is "/api/"). */
export const pathSeen = (req: FuzzRequest): string => new URL(`${BASE}${req.path}`).pathname;

/** The app's routes, each with a pattern for the paths it serves (":name" one segment, a trailing "*" the rest). */
const ROUTES = operations(app.routes).map((op) => ({
  name: `${op.method} ${op.path}`,
  method: op.method,
  pattern: new RegExp(`^${op.path.replace(/\/\*$/, "/.+").replace(/:\w+/g, "[^/]+")}$`),
}));

/** The registered route a request reaches ("METHOD pattern"; HEAD is served by GET's route unless it has its own), if any. */
export function routeOf(req: Pick<FuzzRequest, "method" | "path">): string | null {
  const path = new URL(`${BASE}${req.path}`).pathname;
  const match = (method: string) => ROUTES.find((r) => r.method === method && r.pattern.test(path))?.name ?? null;
  return match(req.method) ?? (req.method === "HEAD" ? match("GET") : null);
}

/** Runs between the answer's head and its body (e.g. to finish the job an answer is waiting for). */
export type BeforeBody = (res: Response) => Promise<void>;

export async function send(req: FuzzRequest, beforeBody?: BeforeBody): Promise<FuzzAnswer> {
  const res = await SELF.fetch(`${BASE}${req.path}`, { method: req.method, headers: req.headers, body: req.body });
  await beforeBody?.(res);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { res, bytes, text: new TextDecoder().decode(bytes) };
}

/** A reference image uploaded with `key` (POST /v2/uploads): its id and signed URL. */
export async function uploadReference(key: string): Promise<{ id: string; url: string }> {
  const body = encodeMultipart([{ name: "file", filename: "reference.png", type: "image/png", data: TINY_PNG }], "fuzz");
  const res = await api("/v2/uploads", { method: "POST", body, key, headers: { "content-type": "multipart/form-data; boundary=fuzz" } });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { id: string; url: string };
}

/** Secrets the Worker holds; no answer may contain one. */
const SECRETS = [
  env.ADMIN_TOKEN!, env.FILE_SIGNING_SECRET!, env.DEV_API_KEY!,
  env.LEONARDO_API_KEY!, env.LEONARDO_WEBHOOK_TOKEN!, env.APIFRAME_API_KEY!, env.OPENAI_API_KEY!,
];

/**
 * The playground (GET /) fills in the development key outside production, as documented (README, SPEC §7: local
 * development works out of the box); no other answer may carry it, and no answer any other secret.
 */
const mayShowDevKey = (req: FuzzRequest, res: Response): boolean =>
  pathSeen(req) === "/" && (req.method === "GET" || req.method === "HEAD") && res.status === 200 && /^text\/html/.test(res.headers.get("content-type") ?? "");

/** What every answer on every surface must satisfy. */
export function checkCommon(req: FuzzRequest, answer: FuzzAnswer): void {
  const { res, text } = answer;
  if (res.status >= 500) throw new Error(`answered ${res.status}: ${text.slice(0, 500)}`);
  if (!res.headers.get("x-request-id")) throw new Error(`answered ${res.status} without x-request-id`);
  for (const secret of SECRETS) {
    if (secret === env.DEV_API_KEY && mayShowDevKey(req, res)) continue;
    if (text.includes(secret)) throw new Error("the answer contains a secret");
  }
}

/** Cases run (including shrinking), time spent and answers per route and status, for this file's figure lines. */
const tally = { cases: 0, ms: 0, answers: new Map<string, number>(), reached: new Set<string>() };

/**
 * Runs the surface's property: every answer to a generated request must pass checkCommon, then `check`; and every
 * route the surface aims at (routes.ts) must have been reached by some case.
 */
export async function fuzzSurface(
  surface: Surface,
  requests: fc.Arbitrary<FuzzRequest>,
  check: (req: FuzzRequest, answer: FuzzAnswer) => void | Promise<void>,
  beforeBody?: BeforeBody,
): Promise<void> {
  const started = Date.now();
  let failed = false;
  try {
    await fc.assert(
      fc.asyncProperty(requests, async (req) => {
        tally.cases++;
        const answer = await send(req, beforeBody);
        const key = `${req.route} ${answer.res.status}`;
        tally.answers.set(key, (tally.answers.get(key) ?? 0) + 1);
        const reached = routeOf(req);
        if (reached) tally.reached.add(reached);
        checkCommon(req, answer);
        await check(req, answer);
      }),
      { numRuns: RUNS, ...(SEED ? { seed: SEED } : {}) },
    );
    // A short run (FUZZ_RUNS below the quick run's 300) reproduces a case; it is not asked to cover every route.
    const missed = RUNS >= 300 ? AIMS[surface].filter((route) => !tally.reached.has(route)) : [];
    if (missed.length > 0) throw new Error(`the ${surface} fuzzer never reached ${missed.join(", ")}`);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    tally.ms += Date.now() - started;
    console.log(`fuzz: ${surface} cases=${tally.cases} ms=${tally.ms} failures=${failed ? 1 : 0}`);
    console.log(`fuzz: ${surface} answers ${[...tally.answers].sort().map(([k, n]) => `${k}:${n}`).join(" ")}`);
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    fuzzRuns: number;
    fuzzSeed: number | null;
  }
}
