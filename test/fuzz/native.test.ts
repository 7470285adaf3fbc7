import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GenerateRequest } from "../../src/surfaces/native/schemas";
import { DEV_KEY, api, createJob, runToEnd } from "../helpers/api";
import { mintAccount, type TestAccount } from "../helpers/accounts";
import { addFaults, clearFaults } from "../helpers/upstream";
import { deliverDue, hookUrl } from "../helpers/webhooks";
import { tag } from "../sim/testing";
import { authHeaders, headerValue, jsonRequestBody, pathSegment, queryString } from "./arbitraries";
import { nativeBody, vocabulary, type References } from "./bodies";
import { RUNS, fuzzSurface, pathSeen, requests, timeoutFor, uploadReference, type FuzzAnswer, type FuzzRequest } from "./harness";
import { SUCCESS, expectJobEvents, expectJson, expectOutside, expectProblem, expectStatus } from "./shapes";
import { activeModel, jobBody } from "../helpers/models";

// Fuzzing the native API (/v2): generate (also with Prefer: wait), a job, its events, its webhook deliveries and its
// cancel, the job list, models, provider status, me and the webhook-secret rotation, plus stray paths and methods.
// Never a 5xx; errors are problem+json; a 2xx has the route's shape.

let account: TestAccount;
let ownJob: string;
let hookedJob: string;
let foreignJob: string;
/** Jobs that run for an hour on the simulated Leonardo, for cancels that succeed (once each). */
const running: string[] = [];
const slow = tag();
const refs: References = { uploads: [], generated: [] };

beforeAll(async () => {
  // A low create rate keeps the jobs that valid cases admit to a few a minute; the rest answer 429.
  account = await mintAccount({ credits: 1_000_000, requestsPerMinute: 20 });
  ownJob = await createJob({ prompt: "fuzz: own job", model: "gpt-image-2", gptImage2Params: { quality: "low" } }, account.key);
  await runToEnd(ownJob);
  hookedJob = await createJob({ prompt: "fuzz: job with a webhook", model: "gpt-image-2", gptImage2Params: { quality: "low" }, webhookUrl: hookUrl(`fuzz-${slow}`) }, account.key);
  await runToEnd(hookedJob);
  await deliverDue(hookedJob);
  foreignJob = await createJob({ prompt: "fuzz: someone else's job", model: "gpt-image-2", gptImage2Params: { quality: "low" } });
  await addFaults({ provider: "leonardo", fault: "latency", latencyMs: 3_600_000, match: slow, count: null });
  for (let i = 0; i < 4; i++) {
    running.push(await createJob(jobBody(activeModel(["leonardo"]), { prompt: `fuzz: running ${slow} ${i}`, provider: ["leonardo"] }, { quality: "low" }), account.key));
  }
  refs.uploads.push((await uploadReference(account.key)).id, (await uploadReference(DEV_KEY)).id);
});

afterAll(async () => {
  for (const jobId of running) await api(`/v2/jobs/${jobId}/cancel`, { method: "POST", key: account.key });
  await clearFaults(slow);
});

function nativeRequests(): fc.Arbitrary<FuzzRequest> {
  const auth = authHeaders(account.key, [DEV_KEY]);
  const odd = fc.oneof(fc.constantFrom(`${ownJob.toUpperCase()}`, `${ownJob} `, "00000000-0000-0000-0000-000000000000"), fc.uuid().map(String), pathSegment);
  // Event streams last until their job ends: they are asked of jobs that have ended (or are not the caller's).
  const endedJob = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(ownJob, hookedJob, foreignJob) }, { weight: 2, arbitrary: odd });
  const anyJob = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(ownJob, hookedJob, foreignJob, ...running) }, { weight: 2, arbitrary: odd });
  const lastEventId = fc.oneof(
    { weight: 3, arbitrary: fc.constant<[string, string][]>([]) },
    { weight: 1, arbitrary: fc.oneof(fc.nat({ max: 20 }).map(String), fc.constantFrom("0", "-1", "1.5", " 2 ", "99999999999", "4294967296", ""), headerValue(20)).map((v): [string, string][] => [["last-event-id", v]]) },
  );
  const listValues = fc.oneof(fc.constantFrom("1", "100", "101", "0", "-1", "1.5", "1e2", "", "QUEUED", "COMPLETED", "gpt-image-2", "999999999999999", "9999999999999999"), fc.string({ maxLength: 12 }));
  const jobPath = (id: fc.Arbitrary<string>, suffix: string) => fc.tuple(id, queryString([])).map(([i, q]) => `/v2/jobs/${i}${suffix}${q}`);
  return fc.oneof(
    { weight: 10, arbitrary: requests({ route: "generate", method: "POST", path: fc.constant("/v2/images/generate"), headers: auth, body: jsonRequestBody(nativeBody(refs), vocabulary) }) },
    { weight: 3, arbitrary: requests({ route: "job", method: "GET", path: jobPath(anyJob, ""), headers: auth }) },
    { weight: 2, arbitrary: requests({ route: "events", method: "GET", path: jobPath(endedJob, "/events"), headers: fc.tuple(auth, lastEventId).map(([a, l]) => [...a, ...l]) }) },
    { weight: 2, arbitrary: requests({ route: "deliveries", method: "GET", path: jobPath(anyJob, "/deliveries"), headers: auth }) },
    { weight: 2, arbitrary: requests({ route: "cancel", method: "POST", path: jobPath(anyJob, "/cancel"), headers: auth, body: jsonRequestBody(fc.constant({})) }) },
    { weight: 3, arbitrary: requests({ route: "jobs", method: "GET", path: queryString(["limit", "cursor", "status", "model"], listValues).map((q) => `/v2/jobs${q}`), headers: auth }) },
    { weight: 2, arbitrary: requests({ route: "models", method: "GET", path: queryString(["model"]).map((q) => `/v2/models${q}`), headers: auth }) },
    { weight: 2, arbitrary: requests({ route: "status", method: "GET", path: queryString(["provider"]).map((q) => `/v2/status${q}`), headers: auth }) },
    { weight: 2, arbitrary: requests({ route: "me", method: "GET", path: queryString([]).map((q) => `/v2/me${q}`), headers: auth }) },
    { weight: 2, arbitrary: requests({ route: "rotate", method: "POST", path: fc.constant("/v2/me/webhook-secret/rotate"), headers: auth, body: jsonRequestBody(fc.constant({})) }) },
    {
      weight: 1,
      arbitrary: requests({
        route: "stray",
        method: "GET",
        path: fc.oneof(
          fc.array(pathSegment, { minLength: 1, maxLength: 3 }).map((s) => `/v2/${s.join("/")}`),
          fc.constantFrom("/v2", "/v2/", "/v2/jobs/", "/v2//jobs", "/v2/images", "/v2/images/generate/x", "/", "/v3/jobs", `/v2/jobs/${ownJob}/events/x`, `/v2/jobs/${ownJob}/cancel/`, "/v2/status/x"),
        ),
        headers: auth,
      }),
    },
  );
}

type Shape = { method: string; status: number; schema: (typeof SUCCESS)[keyof typeof SUCCESS]; what: string };

const SHAPES: Record<string, Shape> = {
  generate: { method: "POST", status: 202, schema: SUCCESS.created, what: "created job" },
  job: { method: "GET", status: 200, schema: SUCCESS.job, what: "job" },
  deliveries: { method: "GET", status: 200, schema: SUCCESS.deliveries, what: "delivery list" },
  cancel: { method: "POST", status: 200, schema: SUCCESS.job, what: "cancelled job" },
  jobs: { method: "GET", status: 200, schema: SUCCESS.jobs, what: "job list" },
  models: { method: "GET", status: 200, schema: SUCCESS.models, what: "model list" },
  status: { method: "GET", status: 200, schema: SUCCESS.status, what: "provider status" },
  me: { method: "GET", status: 200, schema: SUCCESS.me, what: "account" },
  rotate: { method: "POST", status: 200, schema: SUCCESS.me, what: "account" },
};

const ENDED = ["COMPLETED", "FAILED", "CANCELLED"];
const header = (req: FuzzRequest, name: string): string | undefined => req.headers.find(([n]) => n === name)?.[1];

/** A create held by `Prefer: wait=N` answers with the job itself: 200 once it has ended, 202 while it runs. */
function checkWaitedCreate(req: FuzzRequest, answer: FuzzAnswer, applied: string): void {
  if (!/^wait=\d+$/.test(applied) || Number(applied.slice(5)) > 60 || !/wait/i.test(header(req, "prefer") ?? "")) {
    throw new Error(`Preference-Applied: ${applied} for Prefer: ${header(req, "prefer")}`);
  }
  expectStatus(answer, [200, 202]);
  expectJson(answer, SUCCESS.job, "job", req.method);
  const status = (JSON.parse(answer.text) as { status: string }).status;
  if (ENDED.includes(status) !== (answer.res.status === 200)) throw new Error(`a ${status} job answered ${answer.res.status}`);
}

export function checkNative(req: FuzzRequest, answer: FuzzAnswer): void {
  const { res } = answer;
  if (!/^\/v2(\/|$)/.test(pathSeen(req))) return expectOutside(req, answer);
  if (res.status >= 400) return expectProblem(answer, req.method);
  const own = req.route === "events" ? "GET" : SHAPES[req.route]?.method;
  if (!own) return; // a stray path that still named a route (e.g. percent-encoded): any non-error answer will do
  if (req.method !== own && !(req.method === "HEAD" && own === "GET")) throw new Error(`${req.method} on the ${req.route} route answered ${res.status}`);
  if (req.route === "events") {
    expectStatus(answer, [200]);
    return expectJobEvents(answer, new URL(`https://x${req.path}`).pathname.split("/")[3]!);
  }
  if (req.route === "generate") {
    if (!res.headers.get("location")?.startsWith("/v2/jobs/")) throw new Error("a created job without Location");
    const applied = res.headers.get("preference-applied");
    if (applied !== null) return checkWaitedCreate(req, answer, applied);
  }
  const shape = SHAPES[req.route]!;
  expectStatus(answer, [shape.status]);
  expectJson(answer, shape.schema, shape.what, req.method);
  if (req.route === "cancel" && req.method === "POST" && (JSON.parse(answer.text) as { status: string }).status !== "CANCELLED") throw new Error("a cancel that left the job running");
}

describe("fuzz: native /v2", () => {
  it("generates valid bodies from the catalogue", () => {
    for (const body of fc.sample(nativeBody(refs), 200)) expect(GenerateRequest.safeParse(body).error).toBeUndefined();
  });

  it(`never answers 5xx, and answers in problem+json or the route's shape (${RUNS} cases)`, () => fuzzSurface("native", nativeRequests(), checkNative), timeoutFor(RUNS));
});
