import fc from "fast-check";
import * as z from "zod";
import { beforeAll, describe, it } from "vitest";
import { BudgetState } from "../../src/accounts/budget.docs";
import { Usage } from "../../src/accounts/usage.docs";
import { ADMIN_TOKEN, mintAccount, type TestAccount } from "../helpers/accounts";
import { DEV_KEY, createJob, runToEnd } from "../helpers/api";
import { authHeaders, headerValue, jsonRequestBody, pathSegment, queryString } from "./arbitraries";
import { RUNS, fuzzSurface, pathSeen, requests, routeOf, timeoutFor, type FuzzAnswer, type FuzzRequest } from "./harness";
import { AIMS } from "./routes";
import { expectJson, expectOutside, expectProblem, expectStatus } from "./shapes";

// Fuzzing usage and budgets: GET /v2/usage (JSON and CSV), PATCH /admin/keys/:id (budgets) and GET /admin/usage, with
// odd dates, groupings, keys, statuses, Accept headers and tokens. Never a 5xx; errors are problem+json; a 2xx has the
// route's shape, and a usage answer's rows never name another account's key.

let account: TestAccount;
let foreign: TestAccount;
/** Keys whose budgets the PATCH cases set (several: a stray DELETE may revoke one). */
const budgetKeys: string[] = [];

beforeAll(async () => {
  account = await mintAccount({ credits: 100_000 });
  foreign = await mintAccount({ credits: 1_000 });
  for (let i = 0; i < 4; i++) budgetKeys.push((await mintAccount({ accountId: foreign.accountId })).keyId);
  await runToEnd(await createJob({ prompt: "fuzz: usage", model: "gpt-image-2", gptImage2Params: { quality: "low" } }, account.key));
});

const KeyBudget = z.strictObject({ id: z.string(), accountId: z.string(), budget: BudgetState.strict().nullable() });

const dateValue = fc.oneof(
  fc.date({ min: new Date("2000-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom("2026-02-30", "2026-13-01", "today", "", "0", "2026-1-1", "2026-01-01T00:00:00Z", "9999-12-31", "0000-01-01"),
);
const groupValue = fc.oneof(
  fc.subarray(["day", "model", "provider", "key", "account"], { minLength: 0, maxLength: 3 }).map((d) => d.join(",")),
  fc.constantFrom("day,day", " day", "DAY", ",", "day,", "week", "day,model,key"),
);
const statusValue = fc.constantFrom("ACTIVE", "COMPLETED", "FAILED", "CANCELLED", "QUEUED", "completed", "");

function usageQuery(extraKeys: string[]): fc.Arbitrary<string> {
  const keyValue = fc.constantFrom(account.keyId, foreign.keyId, "key_000000000000000000000000", "x".repeat(70));
  const pair = fc.oneof(
    fc.tuple(fc.constant("from"), dateValue),
    fc.tuple(fc.constant("to"), dateValue),
    fc.tuple(fc.constant("groupBy"), groupValue),
    fc.tuple(fc.constant("status"), statusValue),
    fc.tuple(fc.constant("key"), keyValue),
    ...extraKeys.map((k) => fc.tuple(fc.constant(k), fc.oneof(fc.constantFrom(account.accountId, foreign.accountId, "acct_none"), fc.string({ maxLength: 70 })))),
  );
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(pair, { maxLength: 4 }).map((ps) => (ps.length ? `?${ps.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}` : "")) },
    { weight: 1, arbitrary: queryString(["from", "to", "groupBy", "key", "status", ...extraKeys]) },
  );
}

const accept = fc.constantFrom<[string, string][]>([], [["accept", "text/csv"]], [["accept", "application/json"]], [["accept", "text/csv;q=0.5, application/json"]], [["accept", "*/*"]], [["accept", "text/*"]]);

function adminAuth(): fc.Arbitrary<[string, string][]> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant<[string, string][]>([["authorization", `Bearer ${ADMIN_TOKEN}`]]) },
    { weight: 2, arbitrary: fc.constantFrom<[string, string][]>([], [["authorization", `Bearer ${ADMIN_TOKEN}x`]], [["authorization", `Bearer ${DEV_KEY}`]]) },
    { weight: 1, arbitrary: headerValue(60).map((v): [string, string][] => [["authorization", v]]) },
  );
}

function usageRequests(): fc.Arbitrary<FuzzRequest> {
  const budget = fc.record({
    budget: fc.oneof(fc.constant(null), fc.record({ credits: fc.integer({ min: 0, max: 1_000_000 }), period: fc.constantFrom("day", "month") })),
  });
  const keyId = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...budgetKeys, "key_000000000000000000000000") }, { weight: 1, arbitrary: pathSegment });
  const withAccept = (auth: fc.Arbitrary<[string, string][]>) => fc.tuple(auth, accept).map(([a, b]) => [...a, ...b]);
  return fc.oneof(
    { weight: 6, arbitrary: requests({ route: "usage", method: "GET", path: usageQuery([]).map((q) => `/v2/usage${q}`), headers: withAccept(authHeaders(account.key, [DEV_KEY])) }) },
    { weight: 3, arbitrary: requests({ route: "budget", method: "PATCH", path: keyId.map((id) => `/admin/keys/${id}`), headers: adminAuth(), body: jsonRequestBody(budget) }) },
    { weight: 3, arbitrary: requests({ route: "adminUsage", method: "GET", path: usageQuery(["accountId"]).map((q) => `/admin/usage${q}`), headers: adminAuth() }) },
  );
}

function checkUsage(req: FuzzRequest, answer: FuzzAnswer): void {
  const { res } = answer;
  const path = pathSeen(req);
  if (!/^\/(v2|admin)(\/|$)/.test(path)) return expectOutside(req, answer);
  if (res.status >= 400) return expectProblem(answer, req.method);
  const own = { usage: "GET", budget: "PATCH", adminUsage: "GET" }[req.route];
  // Another method reaches a neighbour (DELETE /admin/keys/:id), whose own fuzzer checks its shape; HEAD is GET's.
  if (req.method !== own) {
    if (req.method === "HEAD" || (routeOf(req) !== null && !AIMS.usage.some((r) => r === routeOf(req)))) return;
    throw new Error(`${req.method} on the ${req.route} route answered ${res.status}`);
  }
  expectStatus(answer, [200]);
  if (req.route === "budget") return expectJson(answer, KeyBudget, "key budget", req.method);
  if (req.route === "usage" && (res.headers.get("content-type") ?? "").startsWith("text/csv")) {
    if (!answer.text.endsWith("\r\n") || !answer.text.split("\r\n")[0]!.includes("credits_spent")) throw new Error(`not the usage CSV: ${answer.text.slice(0, 200)}`);
    return;
  }
  expectJson(answer, Usage, "usage report", req.method);
  if (req.route === "usage" && answer.text.includes(foreign.keyId)) throw new Error("another account's key in the caller's usage");
}

describe("fuzz: usage and budgets", () => {
  it(`never answers 5xx, and answers in problem+json, the usage shape or CSV (${RUNS} cases)`, () => fuzzSurface("usage", usageRequests(), checkUsage), timeoutFor(RUNS));
});
