import { SELF } from "cloudflare:test";
import OpenAI, { APIError, toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Lifecycle } from "../../src/catalogue";
import { KEEP_ALIVE } from "../../src/surfaces/openai/answer";
import { api, BASE, DEV_KEY } from "../helpers/api";
import { openaiClient, pngBytes } from "../helpers/compat";
import { withLifecycle } from "../helpers/models";

// SPEC §3.4 on every surface: Deprecation and Sunset headers while a model is deprecated, 410 naming its successors
// after its sunset. The catalogue entry's dates are injected (the test isolate shares the Worker's catalogue module).

const SUCCESSORS = ["gpt-image-2.6-sunburst", "gpt-image-2.6-flare"] as const;
const DEPRECATED: Lifecycle = { deprecatedOn: "2020-01-01", sunsetOn: "2099-01-01", successors: SUCCESSORS, note: "test: deprecated" };
const RETIRED: Lifecycle = { deprecatedOn: "2020-01-01", sunsetOn: "2020-06-01", successors: SUCCESSORS, note: "test: retired" };
const RETIRED_MESSAGE = "gpt-image-1.5 was retired on 2020-06-01; use gpt-image-2.6-sunburst or gpt-image-2.6-flare instead.";
const SUNSET = "Thu, 01 Jan 2099 00:00:00 GMT";
const DEPRECATION = `@${Date.parse("2020-01-01T00:00:00Z") / 1000}`;

const saved = { ...KEEP_ALIVE };
beforeAll(() => Object.assign(KEEP_ALIVE, { graceMs: 0, intervalMs: 20 }));
afterAll(() => Object.assign(KEEP_ALIVE, saved));

const client = openaiClient({ drive: true });
const leonardoBody = { model: "gpt-image-1.5", parameters: { prompt: "lifecycle", quality: "LOW" } };
const nativeBody = { model: "gpt-image-1.5", prompt: "lifecycle" };

describe("a deprecated model", () => {
  it("answers with Deprecation and Sunset on every surface", () =>
    withLifecycle("gpt-image-1.5", DEPRECATED, async () => {
      const responses = [
        await api("/v2/images/generate", { method: "POST", body: JSON.stringify(nativeBody) }),
        await api("/api/rest/v2/generations", { method: "POST", body: JSON.stringify(leonardoBody) }),
        (await client.images.generate({ model: "gpt-image-1.5", prompt: "lifecycle" }).withResponse()).response,
        (await client.images.generate({ model: "gpt-image-1.5", prompt: "lifecycle", stream: true }).withResponse()).response,
        (await client.images.edit({ model: "gpt-image-1.5", prompt: "lifecycle", image: await toFile(await pngBytes(8, 8), "a.png") }).withResponse()).response,
      ];
      for (const res of responses) {
        expect(res.ok).toBe(true);
        expect(res.headers.get("deprecation")).toBe(DEPRECATION);
        expect(res.headers.get("sunset")).toBe(SUNSET);
      }
      const current = await api("/api/rest/v2/generations", { method: "POST", body: JSON.stringify({ ...leonardoBody, model: "gpt-image-2" }) });
      expect(current.headers.get("deprecation")).toBeNull();
    }));

  it("sends no lifecycle headers before its deprecation date", () =>
    withLifecycle("gpt-image-1.5", { ...DEPRECATED, deprecatedOn: "2098-01-01" }, async () => {
      const res = await api("/api/rest/v2/generations", { method: "POST", body: JSON.stringify(leonardoBody) });
      expect(res.status).toBe(200);
      expect(res.headers.get("deprecation")).toBeNull();
      expect(res.headers.get("sunset")).toBeNull();
    }));
});

describe("GET /v2/models", () => {
  const statusOf = async (id: string) => {
    const { data } = (await (await api("/v2/models", { key: null })).json()) as { data: { id: string; status: string }[] };
    return data.find((m) => m.id === id)?.status;
  };

  it("shows each model's status on the day: active, deprecated, then retired", async () => {
    expect(await withLifecycle("gpt-image-1.5", { ...DEPRECATED, deprecatedOn: "2098-01-01" }, () => statusOf("gpt-image-1.5"))).toBe("active");
    expect(await withLifecycle("gpt-image-1.5", DEPRECATED, () => statusOf("gpt-image-1.5"))).toBe("deprecated");
    expect(await withLifecycle("gpt-image-1.5", RETIRED, () => statusOf("gpt-image-1.5"))).toBe("retired");
  });

  it("shows the dates with where they came from, and the successors", async () => {
    const { data } = (await (await api("/v2/models", { key: null })).json()) as { data: { id: string; lifecycle: unknown }[] };
    const lifecycle = await withLifecycle("gpt-image-1.5", RETIRED, async () => {
      const { data } = (await (await api("/v2/models", { key: null })).json()) as { data: { id: string; lifecycle: unknown }[] };
      return data.find((m) => m.id === "gpt-image-1.5")?.lifecycle;
    });
    expect(lifecycle).toEqual({
      deprecatedOn: "2020-01-01",
      sunsetOn: "2020-06-01",
      successors: [...SUCCESSORS],
      note: "test: retired",
      source: { deprecatedOn: "catalogue", sunsetOn: "catalogue" },
      checkedAt: null,
      upgradeTo: null,
    });
    expect(data.find((m) => m.id === "gpt-image-2")?.lifecycle).toMatchObject({ sunsetOn: null, successors: [], checkedAt: null });
  });
});

describe("a model past its sunset", () => {
  it("answers 410 naming its successors, in each surface's envelope, and makes no job", () =>
    withLifecycle("gpt-image-1.5", RETIRED, async () => {
      const native = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(nativeBody) });
      expect(native.status).toBe(410);
      expect(await native.json()).toMatchObject({ code: "model_retired", status: 410, successors: [...SUCCESSORS], detail: RETIRED_MESSAGE });

      const leonardo = await api("/api/rest/v2/generations", { method: "POST", body: JSON.stringify(leonardoBody) });
      expect(leonardo.status).toBe(410);
      expect(await leonardo.json()).toEqual({ error: RETIRED_MESSAGE, path: "$.model", code: "model-retired" });

      const image = await toFile(await pngBytes(8, 8), "a.png");
      for (const call of [
        () => client.images.generate({ model: "gpt-image-1.5", prompt: "lifecycle" }),
        () => client.images.generate({ model: "gpt-image-1.5", prompt: "lifecycle", stream: true }),
        () => client.images.edit({ model: "gpt-image-1.5", prompt: "lifecycle", image }),
      ]) {
        const err = (await call().catch((e: unknown) => e)) as APIError;
        expect(err).toBeInstanceOf(OpenAI.APIError);
        expect(err.status).toBe(410);
        expect(err.error).toEqual({ message: RETIRED_MESSAGE, type: "invalid_request_error", param: "model", code: "model_retired" });
        expect(err.headers?.get("x-imagegate-job-id")).toBeFalsy();
      }
    }));

  it("drops out of GET /v1/models", () =>
    withLifecycle("gpt-image-1.5", RETIRED, async () => {
      const ids = (await client.models.list()).data.map((m) => m.id);
      expect(ids).not.toContain("gpt-image-1.5");
      expect(ids).toContain("gpt-image-2");
      const res = await SELF.fetch(`${BASE}/v1/models/gpt-image-1.5`, { headers: { authorization: `Bearer ${DEV_KEY}` } });
      expect(res.status).toBe(404);
    }));
});

describe("GET /v1/models", () => {
  const listed = async () => {
    const res = await SELF.fetch(`${BASE}/v1/models`, { headers: { authorization: `Bearer ${DEV_KEY}` } });
    return ((await res.json()) as { data: { id: string; shutdown_date: string | null }[] }).data;
  };

  it("carries shutdown_date on every entry: the sunset in force, or null", async () => {
    const deprecated = await withLifecycle("gpt-image-1.5", DEPRECATED, listed);
    expect(deprecated.find((m) => m.id === "gpt-image-1.5")).toMatchObject({ shutdown_date: "2099-01-01" });
    for (const model of deprecated) expect(model).toHaveProperty("shutdown_date");
    const active = await withLifecycle("gpt-image-1.5", { ...DEPRECATED, sunsetOn: null }, listed);
    expect(active.find((m) => m.id === "gpt-image-1.5")).toMatchObject({ shutdown_date: null });
    const one = await withLifecycle("gpt-image-1.5", DEPRECATED, async () =>
      (await SELF.fetch(`${BASE}/v1/models/gpt-image-1.5`, { headers: { authorization: `Bearer ${DEV_KEY}` } })).json(),
    );
    expect(one).toEqual({ id: "gpt-image-1.5", object: "model", created: expect.any(Number), owned_by: "openai", shutdown_date: "2099-01-01" });
  });
});
