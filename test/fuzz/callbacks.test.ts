import { env } from "cloudflare:test";
import fc from "fast-check";
import { createHash, createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, it } from "vitest";
import type { JobRecord } from "../../src/jobs/record";
import { api, createJob } from "../helpers/api";
import { mintAccount, type TestAccount } from "../helpers/accounts";
import { addFaults, clearFaults, fireUntil } from "../helpers/upstream";
import { tag } from "../sim/testing";
import { headerValue, jsonRequestBody, pathSegment, queryString } from "./arbitraries";
import { RUNS, fuzzSurface, pathSeen, requests, timeoutFor, withSummary, type FuzzAnswer, type FuzzRequest } from "./harness";
import { SUCCESS, expectJson, expectOutside, expectProblem, expectStatus } from "./shapes";
import { activeModel, jobBody } from "../helpers/models";

// Fuzzing the provider callbacks (/hooks/leonardo, /hooks/apiframe): bodies near Leonardo's and apiframe's own, with
// the right credentials (Leonardo's bearer token; apiframe's HMAC of the raw body, computed here over the bytes sent)
// or wrong ones, naming upstream jobs that exist and wait, or not. Never a 5xx; a 200 only with the right credentials;
// errors problem+json, a 401 exactly when the credentials are wrong.

const TOKEN = env.LEONARDO_WEBHOOK_TOKEN!;
const APIFRAME_KEY = env.APIFRAME_API_KEY!;
const slow = tag();
let account: TestAccount;
const waiting: { provider: "leonardo" | "apiframe"; jobId: string; upstreamId: string }[] = [];

type Upstream = Extract<JobRecord["step"], { kind: "upstream" }>;

beforeAll(async () => {
  account = await mintAccount({ credits: 1000 });
  for (const provider of ["leonardo", "apiframe"] as const) {
    await addFaults({ provider, fault: "latency", latencyMs: 3_600_000, match: slow, count: null });
    const jobId = await createJob(jobBody(activeModel([provider]), { prompt: `fuzz: callback ${provider} ${slow}`, provider: [provider] }, { quality: "low" }), account.key);
    const rec = await fireUntil(jobId, (r) => r.attempts.some((a) => a.outcome === "accepted"));
    waiting.push({ provider, jobId, upstreamId: (rec.step as Upstream).parts[0]!.upstreamId! });
  }
});

afterAll(async () => {
  for (const { jobId } of waiting) await api(`/v2/jobs/${jobId}/cancel`, { method: "POST", key: account.key });
  await clearFaults(slow);
});

const bytesOf = (body: FuzzRequest["body"]): Uint8Array => (body === null ? new Uint8Array(0) : typeof body === "string" ? new TextEncoder().encode(body) : body);
const apiframeMac = (body: FuzzRequest["body"]): string => createHmac("sha256", createHash("sha256").update(APIFRAME_KEY).digest()).update(bytesOf(body)).digest("hex");
const header = (req: FuzzRequest, name: string): string | undefined => req.headers.findLast(([n]) => n === name)?.[1];

/** Whether the request carries the right credentials for its callback (Leonardo: `Bearer <token>`; apiframe: the body's HMAC). */
function authentic(req: FuzzRequest): boolean {
  if (req.route === "leonardo") return /^Bearer\s+(\S+)\s*$/i.exec(header(req, "authorization") ?? "")?.[1] === TOKEN;
  const presented = /^sha256=([0-9a-fA-F]{64})$/.exec(header(req, "x-webhook-signature") ?? "")?.[1];
  return presented?.toLowerCase() === apiframeMac(req.body);
}

function callbackRequests(): fc.Arbitrary<FuzzRequest> {
  const upstreamId = (provider: string) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...waiting.filter((w) => w.provider === provider).map((w) => w.upstreamId)) },
      { weight: 2, arbitrary: fc.uuid().map(String) },
      { weight: 1, arbitrary: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom("x".repeat(5000), "%", "\u0000", "'; DROP TABLE links; --")) },
    );
  const leonardoBody = fc
    .record({ type: fc.constantFrom("image_generation.complete", "image_generation.failed", "x"), id: upstreamId("leonardo") })
    .map(({ type, id }) => ({ type, object: "generation", timestamp: 1_795_000_000_000, api_version: "v1", data: { object: { id, status: "COMPLETE", images: [] } } }));
  const apiframeBody = fc.record({ event: fc.constantFrom("completed", "failed", "progress", ""), jobId: upstreamId("apiframe") });
  const bearer = fc.oneof(
    { weight: 8, arbitrary: fc.constant<[string, string][]>([["authorization", `Bearer ${TOKEN}`]]) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<[string, string][]>(
        [], [["authorization", `bearer ${TOKEN}`]], [["authorization", `Bearer ${TOKEN}x`]], [["authorization", `Bearer ${TOKEN.slice(1)}`]],
        [["authorization", TOKEN]], [["authorization", `Basic ${btoa(TOKEN)}`]], [["authorization", "Bearer"]], [["authorization", `Bearer ${TOKEN} ${TOKEN}`]],
        [["x-api-key", TOKEN]], [["authorization", `Bearer ${APIFRAME_KEY}`]],
      ),
    },
    { weight: 1, arbitrary: headerValue(60).map((v): [string, string][] => [["authorization", v]]) },
  );
  const jobHint = fc.oneof(
    { weight: 2, arbitrary: fc.constant("") },
    { weight: 2, arbitrary: fc.constantFrom(...waiting.map((w) => w.jobId)).map((id) => `?job=${id}`) },
    { weight: 1, arbitrary: queryString(["job"], fc.oneof(fc.uuid().map(String), fc.string({ maxLength: 40 }))) },
  );
  const leonardo = requests({ route: "leonardo", method: "POST", path: fc.constant("/hooks/leonardo"), headers: bearer, body: jsonRequestBody(leonardoBody) });
  // The signature is made over the bytes the request sends: right, or altered in one of the ways a forger might.
  const signing = fc.constantFrom("right", "right", "right", "right", "upper", "none", "prefixless", "other body", "flipped", "sha1");
  const apiframe = fc
    .tuple(requests({ route: "apiframe", method: "POST", path: jobHint.map((q) => `/hooks/apiframe${q}`), headers: fc.constant([]), body: jsonRequestBody(apiframeBody) }), signing)
    .map(([req, how]) => {
      const mac = apiframeMac(req.body);
      const value = {
        right: `sha256=${mac}`,
        upper: `sha256=${mac.toUpperCase()}`,
        none: null,
        prefixless: mac,
        "other body": `sha256=${apiframeMac(`${String(req.body)} `)}`,
        flipped: `sha256=${(mac[0] === "0" ? "1" : "0") + mac.slice(1)}`,
        sha1: `sha1=${mac.slice(0, 40)}`,
      }[how];
      return withSummary({ ...req, headers: value === null ? req.headers : [...req.headers, ["x-webhook-signature", value]] });
    });
  return fc.oneof(
    { weight: 6, arbitrary: leonardo },
    { weight: 6, arbitrary: apiframe },
    {
      weight: 1,
      arbitrary: requests({
        route: "stray",
        method: "POST",
        path: fc.oneof(fc.array(pathSegment, { minLength: 1, maxLength: 2 }).map((s) => `/hooks/${s.join("/")}`), fc.constantFrom("/hooks", "/hooks/", "/hooks/openai", "/hooks/leonardo/x", "/hooks/APIFRAME")),
        headers: bearer,
        body: jsonRequestBody(apiframeBody),
      }),
    },
  );
}

function checkCallback(req: FuzzRequest, answer: FuzzAnswer): void {
  const { res } = answer;
  if (!/^\/hooks(\/|$)/.test(pathSeen(req))) return expectOutside(req, answer);
  const own = ["/hooks/leonardo", "/hooks/apiframe"].includes(pathSeen(req)) && req.method === "POST";
  if (res.status >= 400) {
    expectProblem(answer, req.method);
    // Credentials are checked before the body is read: a wrong one is 401 whatever the body, a right one never is.
    if (own && res.status === 401 && authentic(req)) throw new Error(`refused the right credentials: ${answer.text.slice(0, 200)}`);
    // apiframe's HMAC covers the body, so a body too large to read (413) is refused before its signature is judged.
    const unread = req.route === "apiframe" && res.status === 413;
    if (own && res.status !== 401 && !authentic(req) && !unread) throw new Error(`answered ${res.status}, not 401, to wrong credentials`);
    return;
  }
  if (!own) throw new Error(`${req.method} ${pathSeen(req)} answered ${res.status}`);
  if (!authentic(req)) throw new Error(`answered ${res.status} to wrong credentials`);
  expectStatus(answer, [200]);
  expectJson(answer, SUCCESS.callbackReceived, "callback receipt", req.method);
}

describe("fuzz: provider callbacks /hooks/*", () => {
  it(`never answers 5xx, accepts only the right credentials, and answers the receipt or problem+json (${RUNS} cases)`, () => fuzzSurface("callbacks", callbackRequests(), checkCallback), timeoutFor(RUNS));
});
