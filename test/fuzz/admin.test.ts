import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import { ADMIN_TOKEN, mintAccount } from "../helpers/accounts";
import { DEV_KEY } from "../helpers/api";
import { headerValue, jsonRequestBody, pathSegment } from "./arbitraries";
import { creditsBody, newKeyBody } from "./bodies";
import { RUNS, fuzzSurface, pathSeen, requests, timeoutFor, type FuzzAnswer, type FuzzRequest } from "./harness";
import { SUCCESS, expectJson, expectOutside, expectProblem, expectStatus } from "./shapes";

// Fuzzing the admin API (/admin/*) with the token, without it, and with it mangled: minting keys, revoking them,
// granting credits. Never a 5xx; errors are problem+json; a 2xx has the route's shape. Accounts come from a small
// pool, so valid cases do not open thousands of AccountDOs.

const ACCOUNTS = ["acct_fuzz_a", "acct_fuzz_b", "acct_fuzz_c", "acct_dev"] as const;
/** Real keys, for revocations that succeed (once each). */
const keyIds: string[] = [];

beforeAll(async () => {
  for (let i = 0; i < 20; i++) keyIds.push((await mintAccount({ accountId: ACCOUNTS[i % 3] })).keyId);
});

function adminRequests(): fc.Arbitrary<FuzzRequest> {
  const auth = fc.oneof(
    { weight: 12, arbitrary: fc.constant<[string, string][]>([["authorization", `Bearer ${ADMIN_TOKEN}`]]) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<[string, string][]>(
        [],
        [["authorization", `bearer ${ADMIN_TOKEN}`]],
        [["authorization", `Bearer ${ADMIN_TOKEN} `]],
        [["authorization", `Bearer ${ADMIN_TOKEN}x`]],
        [["authorization", `Bearer ${ADMIN_TOKEN.slice(0, -1)}`]],
        [["authorization", ADMIN_TOKEN]],
        [["authorization", `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}`]],
        [["authorization", `Bearer ${DEV_KEY}`]],
        [["x-api-key", ADMIN_TOKEN]],
        [["authorization", "Bearer"]],
      ),
    },
    { weight: 1, arbitrary: headerValue(60).map((v): [string, string][] => [["authorization", v]]) },
  );
  const accountId = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ACCOUNTS) }, { weight: 1, arbitrary: pathSegment });
  const keyId = fc.oneof(fc.constantFrom(...keyIds), fc.constantFrom("key_000000000000000000000000", "key_dev_0000000000000000", "x"), pathSegment);
  return fc.oneof(
    { weight: 6, arbitrary: requests({ route: "mint", method: "POST", path: fc.constant("/admin/keys"), headers: auth, body: jsonRequestBody(newKeyBody(ACCOUNTS)) }) },
    { weight: 3, arbitrary: requests({ route: "revoke", method: "DELETE", path: keyId.map((id) => `/admin/keys/${id}`), headers: auth }) },
    { weight: 6, arbitrary: requests({ route: "credits", method: "POST", path: accountId.map((id) => `/admin/accounts/${id}/credits`), headers: auth, body: jsonRequestBody(creditsBody) }) },
    {
      weight: 1,
      arbitrary: requests({
        route: "stray",
        method: "GET",
        path: fc.oneof(fc.array(pathSegment, { minLength: 1, maxLength: 3 }).map((s) => `/admin/${s.join("/")}`), fc.constantFrom("/admin", "/admin/", "/admin/keys", "/admin/accounts", "/admin/accounts/acct_fuzz_a")),
        headers: auth,
      }),
    },
  );
}

function checkAdmin(req: FuzzRequest, answer: FuzzAnswer): void {
  const { res } = answer;
  // /admin/%2e%2e is / once parsed: the Worker's own (the playground), not an admin route.
  if (!/^\/admin(\/|$)/.test(pathSeen(req))) return expectOutside(req, answer);
  if (res.status >= 400) return expectProblem(answer, req.method);
  const own = { mint: "POST", revoke: "DELETE", credits: "POST" }[req.route];
  if (own === undefined) return;
  if (req.method !== own) throw new Error(`${req.method} on the ${req.route} route answered ${res.status}`);
  if (!req.headers.some(([name, value]) => name === "authorization" && /^bearer\s+/i.test(value) && value.trim().split(/\s+/)[1] === ADMIN_TOKEN)) {
    throw new Error(`answered ${res.status} without the admin token`);
  }
  if (req.route === "mint") {
    expectStatus(answer, [201]);
    return expectJson(answer, SUCCESS.minted, "minted key", req.method);
  }
  if (req.route === "revoke") {
    expectStatus(answer, [204]);
    if (answer.bytes.length > 0) throw new Error("a 204 with a body");
    return;
  }
  expectStatus(answer, [200]);
  expectJson(answer, SUCCESS.credited, "credited account", req.method);
}

describe("fuzz: admin /admin/*", () => {
  it(`never answers 5xx, never succeeds without the token, and answers in problem+json or the route's shape (${RUNS} cases)`, () => fuzzSurface("admin", adminRequests(), checkAdmin), timeoutFor(RUNS));
});
