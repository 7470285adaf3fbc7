import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { GenerateRequest } from "../../src/surfaces/native/schemas";
import { DEV_KEY, createJob, runToEnd } from "../helpers/api";
import { mintAccount, type TestAccount } from "../helpers/accounts";
import { authHeaders, jsonRequestBody, pathSegment, queryString } from "./arbitraries";
import { nativeBody, vocabulary, type References } from "./bodies";
import { RUNS, fuzzSurface, requests, timeoutFor, uploadReference, type FuzzAnswer, type FuzzRequest } from "./harness";
import { SUCCESS, expectJson, expectProblem, expectStatus } from "./shapes";

// Fuzzing the native API (/v2): generate, a job, the job list, models, me and the webhook-secret rotation, plus
// stray paths and methods. Never a 5xx; errors are problem+json; a 2xx has the route's shape.

let account: TestAccount;
let ownJob: string;
let foreignJob: string;
const refs: References = { uploads: [], generated: [] };

beforeAll(async () => {
  // A low create rate keeps the jobs that valid cases admit to a few a minute; the rest answer 429.
  account = await mintAccount({ credits: 1_000_000, requestsPerMinute: 20 });
  ownJob = await createJob({ prompt: "fuzz: own job", model: "gpt-image-2", gptImage2Params: { quality: "low" } }, account.key);
  await runToEnd(ownJob);
  foreignJob = await createJob({ prompt: "fuzz: someone else's job", model: "gpt-image-2", gptImage2Params: { quality: "low" } });
  refs.uploads.push((await uploadReference(account.key)).id, (await uploadReference(DEV_KEY)).id);
});

function nativeRequests(): fc.Arbitrary<FuzzRequest> {
  const auth = authHeaders(account.key, [DEV_KEY]);
  const jobId = fc.oneof(
    fc.constantFrom(ownJob, foreignJob, ownJob.toUpperCase(), `${ownJob} `, "00000000-0000-0000-0000-000000000000"),
    fc.uuid().map(String),
    pathSegment,
  );
  const listValues = fc.oneof(fc.constantFrom("1", "100", "101", "0", "-1", "1.5", "1e2", "", "QUEUED", "COMPLETED", "gpt-image-2", "999999999999999", "9999999999999999"), fc.string({ maxLength: 12 }));
  return fc.oneof(
    { weight: 10, arbitrary: requests({ route: "generate", method: "POST", path: fc.constant("/v2/images/generate"), headers: auth, body: jsonRequestBody(nativeBody(refs), vocabulary) }) },
    { weight: 3, arbitrary: requests({ route: "job", method: "GET", path: fc.tuple(jobId, queryString([])).map(([id, q]) => `/v2/jobs/${id}${q}`), headers: auth }) },
    { weight: 3, arbitrary: requests({ route: "jobs", method: "GET", path: queryString(["limit", "cursor", "status", "model"], listValues).map((q) => `/v2/jobs${q}`), headers: auth }) },
    { weight: 1, arbitrary: requests({ route: "models", method: "GET", path: queryString(["model"]).map((q) => `/v2/models${q}`), headers: auth }) },
    { weight: 2, arbitrary: requests({ route: "me", method: "GET", path: queryString([]).map((q) => `/v2/me${q}`), headers: auth }) },
    { weight: 1, arbitrary: requests({ route: "rotate", method: "POST", path: fc.constant("/v2/me/webhook-secret/rotate"), headers: auth, body: jsonRequestBody(fc.constant({})) }) },
    {
      weight: 1,
      arbitrary: requests({
        route: "stray",
        method: "GET",
        path: fc.oneof(fc.array(pathSegment, { minLength: 1, maxLength: 3 }).map((s) => `/v2/${s.join("/")}`), fc.constantFrom("/v2", "/v2/", "/v2/jobs/", "/v2//jobs", "/v2/images", "/v2/images/generate/x", "/", "/v3/jobs")),
        headers: auth,
      }),
    },
  );
}

const SHAPES: Record<string, { method: string; status: number; schema: (typeof SUCCESS)[keyof typeof SUCCESS]; what: string }> = {
  generate: { method: "POST", status: 202, schema: SUCCESS.created, what: "created job" },
  job: { method: "GET", status: 200, schema: SUCCESS.job, what: "job" },
  jobs: { method: "GET", status: 200, schema: SUCCESS.jobs, what: "job list" },
  models: { method: "GET", status: 200, schema: SUCCESS.models, what: "model list" },
  me: { method: "GET", status: 200, schema: SUCCESS.me, what: "account" },
  rotate: { method: "POST", status: 200, schema: SUCCESS.me, what: "account" },
};

export function checkNative(req: FuzzRequest, answer: FuzzAnswer): void {
  if (answer.res.status >= 400) return expectProblem(answer, req.method);
  const shape = SHAPES[req.route];
  if (!shape) return; // a stray path that still named a route (e.g. percent-encoded): any non-error answer will do
  const asGet = req.method === "HEAD" && shape.method === "GET";
  if (req.method !== shape.method && !asGet) throw new Error(`${req.method} on the ${req.route} route answered ${answer.res.status}`);
  expectStatus(answer, [shape.status]);
  expectJson(answer, shape.schema, shape.what, req.method);
  if (req.route === "generate" && !answer.res.headers.get("location")?.startsWith("/v2/jobs/")) throw new Error("a created job without Location");
}

describe("fuzz: native /v2", () => {
  it("generates valid bodies from the catalogue", () => {
    for (const body of fc.sample(nativeBody(refs), 200)) expect(GenerateRequest.safeParse(body).error).toBeUndefined();
  });

  it(`never answers 5xx, and answers in problem+json or the route's shape (${RUNS} cases)`, () => fuzzSurface("native", nativeRequests(), checkNative), timeoutFor(RUNS));
});
