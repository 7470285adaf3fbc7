import { SELF, env } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { playgroundRoutes } from "../../src/ui/page";
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
    // One static document for every origin: its server is relative, so a client resolves it to where it read it.
    const server = new URL((JSON.parse(answer.text) as { servers: { url: string }[] }).servers[0]!.url, `${BASE}${req.path}`).origin;
    if (server !== BASE) throw new Error(`the document names ${server}, not ${BASE}`);
  }
}

// The playground is the static file public/ui/playground.html, which GET / answers with (src/ui/page.ts).
const PAGE_ASSET = `${BASE}/ui/playground`;
const PLAYGROUND_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** The key's input element, read as a browser would: a quoted value may hold ">". */
const KEY_INPUT = /<input id="key"(?:[^>"]|"[^"]*")*>/;
/** The Worker's static assets (public/), which test/env.d.ts's Env does not name. */
const assets = (env as typeof env & { ASSETS: Fetcher }).ASSETS;

describe("the playground (GET /)", () => {
  const open = (environment: string, init: RequestInit = {}, devKey = DEV_KEY) =>
    playgroundRoutes.request("/", init, { ...env, ENVIRONMENT: environment, DEV_API_KEY: devKey });

  it("is the page as built, with the development key filled in outside production only", async () => {
    const built = await (await assets.fetch(PAGE_ASSET)).text();
    const production = await (await open("production")).text();
    expect(production).toBe(built);
    expect(KEY_INPUT.exec(production)?.[0]).toContain(' value="" ');
    expect(production).not.toContain(DEV_KEY);
    for (const environment of ["development", "test"]) {
      const shown = await (await open(environment)).text();
      expect(KEY_INPUT.exec(shown)?.[0]).toContain(` value="${DEV_KEY}" `);
      expect(shown.replace(KEY_INPUT, "")).toBe(built.replace(KEY_INPUT, ""));
    }
  });

  it("puts a development key into the key's value, never into the markup", async () => {
    const shown = await (await open("development", {}, '"><script src="/x.js"></script>')).text();
    expect(KEY_INPUT.exec(shown)?.[0]).toContain(' value="&quot;><script src=&quot;/x.js&quot;></script>" ');
    expect(shown).not.toContain('<script src="/x.js">');
  });

  it("answers the whole page with its CSP and no-store, whatever the caller sends to revalidate or take a range", async () => {
    const etag = (await assets.fetch(PAGE_ASSET)).headers.get("etag");
    expect(etag).toBeTruthy();
    for (const environment of ["test", "production"]) {
      const res = await open(environment, { headers: { "if-none-match": etag!, range: "bytes=0-9" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(res.headers.get("content-security-policy")).toBe(PLAYGROUND_CSP);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("etag")).toBeNull();
      expect(await res.text()).toMatch(/^<!doctype html>[^]*<\/html>\n$/);
    }
  });

  it("answers HEAD with the page's head and no body, and other methods with a 404 problem", async () => {
    const head = await SELF.fetch(`${BASE}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-security-policy")).toBe(PLAYGROUND_CSP);
    expect(await head.text()).toBe("");
    for (const method of ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"]) {
      const res = await SELF.fetch(`${BASE}/`, { method });
      expect(res.status, method).toBe(404);
      expect(res.headers.get("content-type"), method).toBe("application/problem+json");
      await res.body?.cancel();
    }
  });

  it("fails, rather than answer something else, when the page is not among the assets (public/ not built)", async () => {
    const missing = { fetch: async () => new Response("Not Found", { status: 404 }) };
    const res = await playgroundRoutes.request("/", {}, { ...env, ASSETS: missing });
    expect(res.status).toBe(500);
  });
});

describe("fuzz: pages /, /docs, /openapi.json, /healthz", () => {
  it(`never answers 5xx, and answers with the page, the document or problem+json (${RUNS} cases)`, () => fuzzSurface("pages", pageRequests(), checkPage), timeoutFor(RUNS));
});
