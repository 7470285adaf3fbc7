import { Hono, type ErrorHandler } from "hono";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import type { AppEnv } from "../../src/env";
import { renderProblem } from "../../src/lib/problem";
import { renderLeonardoError } from "../../src/surfaces/leonardo/errors";
import { renderOpenAIError } from "../../src/surfaces/openai/errors";

// A plain throw in a handler, through each envelope's renderer as the app wires it (a sub-app with its own onError
// under the app's problem+json one): answered 500 without its message, and logged once, with its stack, under the
// request id the client is given.

let errors: MockInstance<typeof console.error>;
beforeEach(() => {
  errors = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => errors.mockRestore());

function appWith(render: ErrorHandler<AppEnv>): Hono<AppEnv> {
  const sub = new Hono<AppEnv>();
  sub.onError(render);
  sub.get("/boom", () => {
    throw new Error("secret detail of a bug");
  });
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("requestId", c.req.header("x-request-id")!);
    await next();
  });
  app.route("/sub", sub);
  app.onError(renderProblem);
  return app;
}

describe("an unknown error", () => {
  it.each([
    ["problem+json", renderProblem, "application/problem+json"],
    ["OpenAI", renderOpenAIError, "application/json"],
    ["Leonardo", renderLeonardoError, "application/json"],
  ] as const)("%s: a 500 that hides its message, logged once with its stack and the request id", async (_name, render, contentType) => {
    const requestId = `req-unknown-${_name}`;
    const res = await appWith(render).request("/sub/boom", { headers: { "x-request-id": requestId } });
    expect(res.status).toBe(500);
    expect(res.headers.get("content-type")).toBe(contentType);
    expect(await res.text()).not.toContain("secret detail");

    const lines = errors.mock.calls.map((args) => args.map(String).join(" "));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({ msg: "unknown error", requestId, error: expect.stringMatching(/^Error: secret detail of a bug\n\s+at /) });
  });
});
