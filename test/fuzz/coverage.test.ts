import { describe, expect, it } from "vitest";
import { operations } from "../../src/docs/openapi";
import { app } from "../../src/index";
import { routeOf } from "./harness";
import { AIMS } from "./routes";

// Every route registered on the app is fuzzed: a route added without a fuzzer aiming at it fails here.

describe("fuzz coverage", () => {
  it("every route the app registers is some fuzzer's aim, and every aim a registered route", () => {
    const registered = operations(app.routes).map((op) => `${op.method} ${op.path}`).sort();
    const aimed = Object.values(AIMS).flat().sort();
    expect(aimed).toEqual([...new Set(aimed)]);
    expect(aimed).toEqual(registered);
  });

  it("knows which route a request reaches, as the router does", () => {
    expect(routeOf({ method: "GET", path: "/v2/jobs/abc/events?x=1" })).toBe("GET /v2/jobs/:id/events");
    expect(routeOf({ method: "GET", path: "/v2/jobs/abc" })).toBe("GET /v2/jobs/:id");
    expect(routeOf({ method: "HEAD", path: "/v2/files/jobs/x/0.png" })).toBe("HEAD /v2/files/*");
    expect(routeOf({ method: "HEAD", path: "/docs" })).toBe("GET /docs");
    expect(routeOf({ method: "GET", path: "/v1/.." })).toBe("GET /");
    expect(routeOf({ method: "POST", path: "/v2/jobs/abc/events" })).toBeNull();
    expect(routeOf({ method: "GET", path: "/v2/jobs/a/b" })).toBeNull();
  });
});
