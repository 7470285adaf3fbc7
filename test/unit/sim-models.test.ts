// The simulator's model lifecycle: OpenAI's GET /v1/models with shutdown_date, the dates a test sets through
// /_sim/<provider>/models/<id>, a shut-down model's refusal at OpenAI and Leonardo as the clock passes its date, and the
// model each create is recorded with. Date-dependent cases run on a simulator of their own with its clock injected (the
// shared one runs on the machine's clock); scoped changes run on the shared one.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createSimulator } from "../sim/index.ts";
import { leonardoErrorEnvelopeSchema, openaiErrorSchema, openaiModelListSchema, openaiModelSchema } from "../sim/schemas.ts";
import { APIFRAME_KEY, LEONARDO_KEY, OPENAI_KEY, postJson, restoreShutdownDate, setShutdownDate, sim, tag } from "../sim/testing.ts";
import type { CallRecord } from "../sim/state.ts";

const OPENAI = "https://api.openai.com/v1";
const LEONARDO = "https://cloud.leonardo.ai/api/rest/v2/generations";
const openaiAuth = { authorization: `Bearer ${OPENAI_KEY}` };
const leonardoAuth = { authorization: `Bearer ${LEONARDO_KEY}` };

/** A simulator of this test's own, whose clock reads `clock.now`. */
function ownSimulator(at: string) {
  const clock = { now: Date.parse(at) };
  const own = createSimulator({ latencyMs: 0, now: () => clock.now });
  const call = (url: string, init?: RequestInit) => own.fetch(new Request(url, init));
  return {
    clock,
    call,
    control: (path: string, init?: RequestInit) => call(`https://sim.test/_sim${path}`, init),
    generate: (model: string, prompt = "a lighthouse") => call(`${OPENAI}/images/generations`, postJson({ model, prompt, quality: "low" }, openaiAuth)),
    leonardo: (model: string) => call(LEONARDO, postJson({ model, parameters: { prompt: "a lighthouse", quantity: 1 } }, leonardoAuth)),
    list: async () => openaiModelListSchema.parse(await (await call(`${OPENAI}/models`, { headers: openaiAuth })).json()).data,
  };
}

const shutdownDates = (models: { id: string; shutdown_date: string | null }[]) => Object.fromEntries(models.map((m) => [m.id, m.shutdown_date]));

describe("OpenAI's GET /v1/models", () => {
  it("lists every image model with its shutdown_date: 2026-12-01 for gpt-image-1.5, none for the others", async () => {
    const own = ownSimulator("2026-12-02T00:00:00Z");
    const res = await own.call(`${OPENAI}/models`, { headers: openaiAuth });
    expect(res.status).toBe(200);
    const body = openaiModelListSchema.parse(await res.json());
    expect(shutdownDates(body.data)).toEqual({
      "gpt-image-1.5": "2026-12-01",
      "gpt-image-1.5-2025-12-16": "2026-12-01",
      "gpt-image-2": null,
      "gpt-image-2-2026-04-21": null,
      "gpt-image-2.5-flare": null,
      "gpt-image-2.5-flare-2026-09-08": null,
      "gpt-image-2.5-sunburst": null,
      "gpt-image-2.5-sunburst-2026-09-08": null,
      "gpt-image-2.6-flare": null,
      "gpt-image-2.6-sunburst": null,
    });
    for (const model of body.data) expect(Object.keys(model).sort()).toEqual(["created", "id", "object", "owned_by", "shutdown_date"]);
    expect(body.data.find((m) => m.id === "gpt-image-2.6-flare")!.created).toBe(Date.parse("2026-11-04T00:00:00Z") / 1000);
  });

  it("retrieves one model, answers 404 model_not_found for an unknown one, and 401 without a key", async () => {
    const own = ownSimulator("2026-12-02T00:00:00Z");
    const one = await own.call(`${OPENAI}/models/gpt-image-1.5`, { headers: openaiAuth });
    expect(openaiModelSchema.parse(await one.json())).toMatchObject({ id: "gpt-image-1.5", object: "model", owned_by: "system", shutdown_date: "2026-12-01" });
    const unknown = await own.call(`${OPENAI}/models/gpt-image-9`, { headers: openaiAuth });
    expect(unknown.status).toBe(404);
    expect(openaiErrorSchema.parse(await unknown.json()).error).toMatchObject({ param: "model", code: "model_not_found" });
    expect((await own.call(`${OPENAI}/models`)).status).toBe(401);
  });

  it("takes API faults like any call", async () => {
    const own = ownSimulator("2026-12-02T00:00:00Z");
    expect((await own.control("/faults", postJson({ provider: "openai", fault: "http503" }))).status).toBe(201);
    expect((await own.call(`${OPENAI}/models`, { headers: openaiAuth })).status).toBe(503);
    expect((await own.call(`${OPENAI}/models`, { headers: openaiAuth })).status).toBe(200);
  });
});

describe("shutdown dates", () => {
  it("serves gpt-image-1.5 and its snapshot until 2026-12-01 at OpenAI, then answers 404 model_not_found", async () => {
    const own = ownSimulator("2026-11-30T23:59:59Z");
    for (const model of ["gpt-image-1.5", "gpt-image-1.5-2025-12-16"]) expect((await own.generate(model)).status).toBe(200);
    own.clock.now = Date.parse("2026-12-01T00:00:00Z");
    for (const model of ["gpt-image-1.5", "gpt-image-1.5-2025-12-16"]) {
      const res = await own.generate(model);
      expect(res.status).toBe(404);
      expect(openaiErrorSchema.parse(await res.json()).error).toEqual({
        message: `The model \`${model}\` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations`,
        type: "invalid_request_error",
        param: null,
        code: "model_not_found",
      });
    }
    expect((await own.generate("gpt-image-2")).status).toBe(200);
  });

  it("serves gpt-image-1.5 at Leonardo until 2026-12-01, then fails its creates with a 400", async () => {
    const own = ownSimulator("2026-11-30T23:59:59Z");
    expect((await own.leonardo("gpt-image-1.5")).status).toBe(200);
    own.clock.now = Date.parse("2026-12-01T00:00:00Z");
    const res = await own.leonardo("gpt-image-1.5");
    expect(res.status).toBe(400);
    expect(leonardoErrorEnvelopeSchema.parse(await res.json())).toEqual({
      error: "Model gpt-image-1.5 is no longer available: its provider retired it on 2026-12-01",
      path: "$",
      code: "unexpected",
    });
    expect((await own.leonardo("openai/gpt-image-2.6-flare")).status).toBe(200);
  });

  describe("on the machine's clock by default", () => {
    afterEach(() => vi.useRealTimers());

    it("judges the dates by Date.now when no clock is given", async () => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const own = createSimulator({ latencyMs: 0 });
      const generate = () => own.fetch(new Request(`${OPENAI}/images/generations`, postJson({ model: "gpt-image-1.5", prompt: "p", quality: "low" }, openaiAuth)));
      vi.setSystemTime(new Date("2026-06-01T00:00:00Z"));
      expect((await generate()).status).toBe(200);
      vi.setSystemTime(new Date("2027-06-01T00:00:00Z"));
      expect((await generate()).status).toBe(404);
    });
  });

  it("sets a date for everyone (listed too), restores the default one, and forgets every change on reset", async () => {
    const own = ownSimulator("2026-10-01T00:00:00Z");
    const set = (id: string, body: unknown) => own.control(`/openai/models/${id}`, postJson(body));
    const setRes = await set("gpt-image-2", { shutdown_date: "2026-09-30" });
    expect(setRes.status).toBe(200);
    expect(await setRes.json()).toMatchObject({ id: "gpt-image-2", shutdown_date: "2026-09-30", default_shutdown_date: null });
    expect(shutdownDates(await own.list())["gpt-image-2"]).toBe("2026-09-30");
    expect((await own.generate("gpt-image-2")).status).toBe(404);
    expect((await set("gpt-image-1.5", { shutdown_date: null })).status).toBe(200);
    expect(shutdownDates(await own.list())["gpt-image-1.5"]).toBeNull();
    expect((await own.control("/openai/models/gpt-image-2", { method: "DELETE" })).status).toBe(200);
    expect(shutdownDates(await own.list())["gpt-image-2"]).toBeNull();
    expect((await own.generate("gpt-image-2")).status).toBe(200);
    expect((await own.control("/reset", { method: "POST" })).status).toBe(200);
    expect(shutdownDates(await own.list())["gpt-image-1.5"]).toBe("2026-12-01");
  });

  it("keeps the dates when faults are cleared", async () => {
    const own = ownSimulator("2026-10-01T00:00:00Z");
    await own.control("/openai/models/gpt-image-2", postJson({ shutdown_date: "2027-01-01" }));
    await own.control("/faults", { method: "DELETE" });
    expect(shutdownDates(await own.list())["gpt-image-2"]).toBe("2027-01-01");
  });

  it("scopes a date to the creates whose prompt contains match, over the listed one, and lists it apart", async () => {
    const own = ownSimulator("2026-12-02T00:00:00Z");
    expect((await own.control("/openai/models/gpt-image-1.5", postJson({ shutdown_date: null, match: "kept" }))).status).toBe(200);
    expect((await own.generate("gpt-image-1.5", "still kept here")).status).toBe(200);
    expect((await own.generate("gpt-image-1.5", "not this one")).status).toBe(404);
    expect(shutdownDates(await own.list())["gpt-image-1.5"]).toBe("2026-12-01");
    const listed = (await (await own.control("/openai/models")).json()) as { id: string; scoped: unknown[] }[];
    expect(listed.find((m) => m.id === "gpt-image-1.5")!.scoped).toEqual([{ match: "kept", shutdown_date: null }]);
    await own.control("/openai/models/gpt-image-1.5?match=kept", { method: "DELETE" });
    expect((await own.generate("gpt-image-1.5", "still kept here")).status).toBe(404);
  });

  it("names Leonardo's prefixed models in the control path, encoded or not", async () => {
    const own = ownSimulator("2026-12-02T00:00:00Z");
    for (const path of ["/leonardo/models/openai%2Fgpt-image-2.6-flare", "/leonardo/models/openai/gpt-image-2.6-flare"]) {
      await own.control("/reset", { method: "POST" });
      expect((await own.control(path, postJson({ shutdown_date: "2026-12-02" }))).status).toBe(200);
      expect((await own.leonardo("openai/gpt-image-2.6-flare")).status).toBe(400);
      expect((await own.leonardo("openai/gpt-image-2.6-sunburst")).status).toBe(200);
    }
  });

  it.each([
    ["an unknown model", "/openai/models/gpt-image-9", { shutdown_date: null }, 404],
    ["an unknown provider", "/apiframe/models/gpt-image-2", { shutdown_date: null }, 404],
    ["a bare 2.6 id at Leonardo", "/leonardo/models/gpt-image-2.6-flare", { shutdown_date: null }, 404],
    ["a date that is not YYYY-MM-DD", "/openai/models/gpt-image-2", { shutdown_date: "1 Dec 2026" }, 400],
    ["an unknown key", "/openai/models/gpt-image-2", { shutdown_date: null, when: "now" }, 400],
  ])("refuses %s", async (_, path, body, status) => {
    expect((await ownSimulator("2026-12-02T00:00:00Z").control(path, postJson(body))).status).toBe(status);
  });

  it("is set through the shared simulator with the testing helpers", async () => {
    const t = tag();
    await setShutdownDate("openai", "gpt-image-2.5-sunburst", "2000-01-01", t);
    const generate = () => fetch(`${OPENAI}/images/generations`, postJson({ model: "gpt-image-2.5-sunburst", prompt: `helper ${t}`, quality: "low" }, openaiAuth));
    expect((await generate()).status).toBe(404);
    await restoreShutdownDate("openai", "gpt-image-2.5-sunburst", t);
    expect((await generate()).status).toBe(200);
  });
});

describe("the call record", () => {
  const recorded = async (match: string): Promise<Pick<CallRecord, "provider" | "model" | "status">[]> =>
    ((await (await sim(`/calls?match=${match}`)).json()) as CallRecord[]).map(({ provider, model, status }) => ({ provider, model, status }));

  it("carries the model each create was sent, accepted or not", async () => {
    const t = tag();
    await fetch(`${OPENAI}/images/generations`, postJson({ model: "gpt-image-2.6-sunburst", prompt: `rec ${t}`, quality: "low" }, openaiAuth));
    await fetch(`${OPENAI}/images/generations`, postJson({ model: "gpt-image-2", prompt: `rec ${t}`, output_format: "gif" }, openaiAuth));
    await fetch(LEONARDO, postJson({ model: "openai/gpt-image-2.5-flare", parameters: { prompt: `rec ${t}`, quantity: 1 } }, leonardoAuth));
    await fetch(LEONARDO, postJson({ model: "gpt-image-2.5-flare", parameters: { prompt: `rec ${t}`, quantity: 1 } }, leonardoAuth));
    await fetch("https://api.apiframe.ai/v2/images/generate", postJson({ model: "gpt-image-2", prompt: `rec ${t}` }, { "x-api-key": APIFRAME_KEY }));
    await fetch("https://api.apiframe.ai/v2/images/generate", postJson({ model: "gpt-image-2.6-flare", prompt: `rec ${t}` }, { "x-api-key": APIFRAME_KEY }));
    expect(await recorded(t)).toEqual([
      { provider: "openai", model: "gpt-image-2.6-sunburst", status: 200 },
      { provider: "openai", model: "gpt-image-2", status: 400 },
      { provider: "leonardo", model: "openai/gpt-image-2.5-flare", status: 200 },
      { provider: "leonardo", model: "gpt-image-2.5-flare", status: 400 },
      { provider: "apiframe", model: "gpt-image-2", status: 202 },
      { provider: "apiframe", model: "gpt-image-2.6-flare", status: 400 },
    ]);
  });

  it("has no model on calls that are not creates", async () => {
    const t = tag();
    const created = await fetch("https://api.apiframe.ai/v2/images/generate", postJson({ model: "gpt-image-2", prompt: `poll ${t}` }, { "x-api-key": APIFRAME_KEY }));
    const { jobId } = (await created.json()) as { jobId: string };
    await fetch(`https://api.apiframe.ai/v2/jobs/${jobId}`, { headers: { "x-api-key": APIFRAME_KEY } });
    expect((await recorded(t)).map((c) => c.model)).toEqual(["gpt-image-2", null]);
  });
});
