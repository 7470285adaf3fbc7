import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_DEPTH, MAX_ITEMS } from "../../src/lib/json-limits";
import { adminApi } from "../helpers/accounts";
import { api } from "../helpers/api";
import { activeModel } from "../helpers/models";

// JSON bodies of every surface: structure no request needs (nesting, a flood of values) is a 400 in the surface's
// own envelope before the body is parsed, and a body that passes is parsed once (the validator reuses the value).

const model = activeModel().id;
const deep = (n: number) => `{"model":"${model}","prompt":"p","metadata":${"[".repeat(n)}${"]".repeat(n)}}`;
const flood = `{"model":"${model}","prompt":"p","metadata":[${"{},".repeat(MAX_ITEMS)}{}]}`;
const DEEP = `nests more than ${MAX_DEPTH} levels of brackets`;
const MANY = `holds more than ${MAX_ITEMS} values`;

const routes: { name: string; post: (body: string) => Promise<Response>; check: (answer: unknown, what: string) => void }[] = [
  {
    name: "native /v2/images/generate (problem+json)",
    post: (body) => api("/v2/images/generate", { method: "POST", body }),
    check: (answer, what) =>
      expect(answer).toMatchObject({ status: 400, code: "invalid_request", detail: expect.stringContaining(what), errors: [{ path: "(body)", message: expect.stringContaining(what) }] }),
  },
  {
    name: "OpenAI /v1/images/generations",
    post: (body) => api("/v1/images/generations", { method: "POST", body }),
    check: (answer, what) => expect(answer).toEqual({ error: { message: expect.stringContaining(what), type: "invalid_request_error", param: null, code: "invalid_value" } }),
  },
  {
    name: "OpenAI /v1/images/edits (streamed)",
    post: (body) => api("/v1/images/edits", { method: "POST", body }),
    check: (answer, what) => expect(answer).toEqual({ error: { message: expect.stringContaining(what), type: "invalid_request_error", param: null, code: "invalid_value" } }),
  },
  {
    name: "Leonardo /api/rest/v2/generations",
    post: (body) => api("/api/rest/v2/generations", { method: "POST", body }),
    check: (answer, what) => expect(answer).toEqual({ error: expect.stringContaining(what), path: "$", code: "validation-failed" }),
  },
  {
    name: "admin /admin/keys (problem+json)",
    post: (body) => adminApi("/keys", { method: "POST", body }),
    check: (answer, what) => expect(answer).toMatchObject({ status: 400, code: "invalid_request", detail: expect.stringContaining(what) }),
  },
];

describe.each(routes)("$name", ({ post, check }) => {
  it(`refuses nesting past ${MAX_DEPTH} levels, and takes ${MAX_DEPTH} (then its schema decides)`, async () => {
    const res = await post(deep(MAX_DEPTH));
    check(await res.json(), DEEP);
    expect(res.status).toBe(400);
    const ok = await post(deep(MAX_DEPTH - 1));
    expect(JSON.stringify(await ok.json())).not.toContain("levels of brackets");
  });

  it(`refuses more than ${MAX_ITEMS} values`, async () => {
    const res = await post(flood);
    expect(res.status).toBe(400);
    check(await res.json(), MANY);
  });
});

describe("a JSON body that passes", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is parsed once: the validator reuses the middleware's value", async () => {
    const body = JSON.stringify({ model, prompt: `parsed once ${crypto.randomUUID()}` });
    const parse = vi.spyOn(JSON, "parse");
    const res = await api("/v2/images/generate", { method: "POST", body });
    const parsedBody = parse.mock.calls.filter(([text]) => text === body).length;
    parse.mockRestore();
    expect(res.status).toBe(202);
    expect(parsedBody).toBe(1);
  });
});
