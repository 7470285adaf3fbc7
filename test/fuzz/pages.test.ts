import { env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { playground } from "../../src/ui/page";
import { BASE, DEV_KEY } from "../helpers/api";
import { authHeaders, pathSegment, queryString } from "./arbitraries";
import { RUNS, fuzzSurface, pathSeen, requests, timeoutFor, type FuzzAnswer, type FuzzRequest } from "./harness";
import { expectOutside } from "./shapes";

// Fuzzing the keyless pages at the root: the playground (/), the API reference (/docs), the OpenAPI document
// (/openapi.json) and the liveness check (/healthz), with any method, query string and header, plus stray paths
// around them. Never a 5xx; a page is HTML with a CSP, the document OpenAPI 3.1 for this origin; errors problem+json.

const ROUTES = { playground: "/", docs: "/docs", openapi: "/openapi.json", health: "/healthz" } as const;

function pageRequests(): fc.Arbitrary<FuzzRequest> {
  const headers = fc.oneof({ weight: 3, arbitrary: fc.constant<[string, string][]>([]) }, { weight: 1, arbitrary: authHeaders(DEV_KEY) });
  const route = (name: keyof typeof ROUTES, weight: number) => ({
    weight,
    arbitrary: requests({ route: name, method: "GET", path: queryString(["key", "model", "url"]).map((q) => `${ROUTES[name]}${q}`), headers }),
  });
  return fc.oneof(
    route("playground", 3),
    route("docs", 2),
    route("openapi", 2),
    route("health", 1),
    {
      weight: 2,
      arbitrary: requests({
        route: "stray",
        method: "GET",
        path: fc.oneof(
          fc.array(pathSegment, { minLength: 1, maxLength: 3 }).map((s) => `/${s.join("/")}`),
          fc.constantFrom("//", "/docs/", "/docs/x", "/openapi.json/", "/openapi.yaml", "/healthz/", "/index.html", "/favicon.ico", "/ui/", "/vendor/x.js", "/%2e%2e/docs", "/./openapi.json", "/hooks", "/v1/../docs"),
        ),
        headers,
      }),
    },
  );
}

function checkPage(req: FuzzRequest, answer: FuzzAnswer): void {
  // Each page answers GET and HEAD; a stray path that names a page once parsed (/./openapi.json, /v1/../docs) is judged as it.
  if (req.route !== "stray" && (req.method === "GET" || req.method === "HEAD") && answer.res.status !== 200) throw new Error(`${req.method} ${req.path} answered ${answer.res.status}`);
  expectOutside(req, answer);
  if (answer.res.status === 200 && pathSeen(req) === "/openapi.json" && req.method === "GET") {
    const servers = (JSON.parse(answer.text) as { servers: { url: string }[] }).servers;
    if (servers[0]!.url !== BASE) throw new Error(`the document names ${servers[0]!.url}, not ${BASE}`);
  }
}

describe("fuzz: pages /, /docs, /openapi.json, /healthz", () => {
  it("shows the development key on the playground outside production only", async () => {
    const page = async (environment: string) => (await playground.request("/", {}, { ...env, ENVIRONMENT: environment })).text();
    expect(await page("test")).toContain(DEV_KEY);
    expect(await page("production")).not.toContain(DEV_KEY);
  });

  it(`never answers 5xx, and answers with the page, the document or problem+json (${RUNS} cases)`, () => fuzzSurface("pages", pageRequests(), checkPage), timeoutFor(RUNS));
});
