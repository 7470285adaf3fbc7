import { describe, expect, it } from "vitest";
import { api, createJob } from "../helpers/api";
import { modelEntries } from "../../src/catalogue";

// The native surface's HTTP behaviour: auth, the problem+json envelope, body guards, models, health.

const post = (body: string, headers: Record<string, string> = {}, key?: string | null) =>
  api("/v2/images/generate", { method: "POST", body, headers, key });

async function problem(res: Response, status: number): Promise<Record<string, any>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as Record<string, any>;
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^urn:imagegate:problem:/), title: expect.any(String), detail: expect.any(String), code: expect.any(String) });
  expect(body.requestId).toBe(res.headers.get("x-request-id"));
  return body;
}

describe("native API", () => {
  it("401s a missing or unknown key, in both header forms", async () => {
    const valid = JSON.stringify({ prompt: "p", model: "gpt-image-2" });
    expect((await problem(await post(valid, {}, null), 401)).code).toBe("unauthorized");
    expect((await problem(await post(valid, {}, "ig_test_nope"), 401)).detail).toMatch(/not valid/);
    expect((await problem(await api("/v2/jobs/x", { key: null, headers: { "x-api-key": "wrong" } }), 401)).code).toBe("unauthorized");
    const viaHeader = await api("/v2/images/generate", { method: "POST", body: valid, key: null, headers: { "x-api-key": (await import("../helpers/api")).DEV_KEY } });
    expect(viaHeader.status).toBe(202);
  });

  it("says where malformed JSON broke", async () => {
    const body = await problem(await post('{"prompt": "p", "model": }'), 400);
    expect(body.code).toBe("malformed_json");
    expect(body.detail).toMatch(/position \d+/);
  });

  it("415s a body that is not JSON and 413s one over 1 MB", async () => {
    expect((await problem(await post("prompt=p", { "content-type": "application/x-www-form-urlencoded" }), 415)).code).toBe("unsupported_media_type");
    const huge = JSON.stringify({ prompt: "x".repeat(2 * 1024 * 1024), model: "gpt-image-2" });
    expect((await problem(await post(huge), 413)).code).toBe("payload_too_large");
  });

  it("lists every field error with its path", async () => {
    const body = await problem(await post(JSON.stringify({ prompt: "p", model: "gpt-image-2", gptImage2Params: { width: 3840, height: 1024, input_fidelity: "high" } })), 400);
    expect(body.code).toBe("invalid_request");
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: "gptImage2Params.width", message: "width 3840 is too large: gpt-image-2 needs max(width, height) < 3840" },
        { path: "gptImage2Params", message: "input_fidelity is not a gpt-image-2 parameter: only gpt-image-1.5 takes it" },
      ]),
    );
  });

  it("names no model for parameter names every object inherits (__proto__, constructor, toString)", async () => {
    for (const key of ["__proto__", "constructor", "toString"]) {
      const raw = `{"prompt":"p","model":"gpt-image-2","gptImage2Params":{"${key}":"x"}}`;
      const body = await problem(await post(raw), 400);
      expect(body.errors).toEqual([{ path: "gptImage2Params", message: `${key} is not a gptImage2Params field` }]);
    }
  });

  it("refuses a metadata key __proto__ instead of dropping it", async () => {
    const raw = '{"prompt":"p","model":"gpt-image-2","metadata":{"__proto__":"x","order":"1"}}';
    const body = await problem(await post(raw), 400);
    expect(body.errors).toEqual([{ path: "metadata.__proto__", message: "__proto__ cannot be a metadata key" }]);
    // Other keys named like Object.prototype's stay ordinary keys, echoed as given.
    const jobId = await createJob({ prompt: "metadata names", model: "gpt-image-2", metadata: { constructor: "c", toString: "t" } });
    expect(((await (await api(`/v2/jobs/${jobId}`)).json()) as { metadata: unknown }).metadata).toEqual({ constructor: "c", toString: "t" });
  });

  it("refuses hostile reference and webhook URLs at admission", async () => {
    const body = await problem(
      await post(JSON.stringify({ prompt: "p", model: "gpt-image-2", webhookUrl: "https://169.254.169.254/latest", gptImage2Params: { input_images: ["http://10.0.0.1/a.png"] } })),
      400,
    );
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["input_images.0", "webhookUrl"]);
  });

  it("answers non-object JSON bodies with 400, never 500", async () => {
    for (const raw of ["null", "[]", "42", '"str"', "{}", '{"model":"gpt-image-2"}']) {
      const res = await post(raw);
      expect(res.status).toBe(400);
    }
  });

  it("422s a request no configured provider can serve, naming each provider's reason", async () => {
    const request = {
      prompt: "p",
      model: "gpt-image-2",
      provider: ["leonardo", "apiframe"],
      gptImage2Params: { width: 1536, height: 864, background: "transparent", output_format: "png" },
    };
    const body = await problem(await post(JSON.stringify(request)), 422);
    expect(body.code).toBe("no_provider");
    expect(body.errors).toEqual([
      { path: "provider.leonardo", message: "leonardo has no transparent background for gpt-image-2" },
      { path: "provider.apiframe", message: "apiframe takes only preset sizes (aspect ratios), not the exact size 1536x864" },
    ]);
    expect(body.detail).toContain("leonardo has no transparent background");
  });

  it("404s unknown jobs and malformed ids, and unknown routes", async () => {
    await problem(await api("/v2/jobs/00000000-0000-4000-8000-000000000000"), 404);
    await problem(await api("/v2/jobs/not-a-uuid"), 404);
    await problem(await api("/v2/nothing-here"), 404);
  });

  it("reads back the job's input and metadata", async () => {
    const jobId = await createJob({ prompt: "echo", model: "gpt-image-2", metadata: { order: "42" } });
    const job = (await (await api(`/v2/jobs/${jobId}`)).json()) as Record<string, any>;
    expect(job).toMatchObject({ id: jobId, status: "QUEUED", model: "gpt-image-2", metadata: { order: "42" }, input: { prompt: "echo" }, creditCost: 23, webhookStatus: null, result: null });
  });

  it("serves the catalogue at /v2/models with prices, sizes, lifecycle and providers", async () => {
    const res = await api("/v2/models", { key: null });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: Array<Record<string, any>> };
    expect(data.map((m) => m.id)).toEqual(modelEntries().map((e) => e.id));
    expect(data[1]).toMatchObject({
      status: "active",
      creditsPerImage: { low: 4, medium: 9, high: 23, auto: 23 },
      sizes: { presets: { "16:9": { width: 1376, height: 768 } }, custom: { maxEdgeExclusive: 3840, multipleOf: 16 } },
      providers: ["sandbox", "leonardo", "apiframe", "openai"],
    });
    // Its status on a given day: lifecycle.test.ts, with the dates injected.
    expect(data[0]).toMatchObject({
      lifecycle: { deprecatedOn: "2026-06-02", sunsetOn: "2026-12-01", successors: ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"] },
    });
    const flare26 = data.find((m) => m.id === "gpt-image-2.6-flare")!;
    expect(flare26).toMatchObject({ providers: ["sandbox", "leonardo", "openai"], creditsPerImage: { xhigh: 35, max: 50 } });
  });

  it("answers /healthz and carries x-request-id everywhere", async () => {
    const res = await api("/healthz", { key: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
  });
});
