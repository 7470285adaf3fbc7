import { beforeEach, describe, expect, it } from "vitest";
import { modelEntries, type ModelEntry } from "../../src/catalogue";
import { lifecycleStatus } from "../../src/catalogue/lifecycle";
import { tag } from "../sim/testing";
import { api, createJob } from "../helpers/api";
import { jobBody } from "../helpers/models";
import { createsOf, driveToEnd, r2Bytes, resetCircuits } from "../helpers/upstream";

// The 2.5 and 2.6 families' whole job life on each provider through the simulator (SPEC §3.3, PROVIDERS.md): OpenAI
// and Leonardo serve them (Leonardo under its `openai/` ids), apiframe does not, and routing says why. The models are
// the catalogue's first of each family that is active at the test's clock.

beforeEach(resetCircuits);

const active = (what: string, test: (e: ModelEntry) => boolean): ModelEntry => {
  const entry = modelEntries().find((e) => test(e) && lifecycleStatus(e, Date.now()) === "active");
  if (!entry) throw new Error(`no active model ${what}`);
  return entry;
};
const family25 = active("with xhigh and no complexity (2.5)", (e) => e.qualities.includes("xhigh") && e.complexity === null);
const family26 = active("with complexity (2.6)", (e) => e.complexity !== null && e.gif !== null);

describe.each([
  ["2.5", family25],
  ["2.6", family26],
])("a %s model", (_family, model) => {
  const extra = model.complexity ? { complexity: "medium" } : {};

  it("completes on openai, sent under its own id with its parameters", async () => {
    const t = tag();
    const jobId = await createJob(jobBody(model, { prompt: `lineup openai ${t}`, provider: "openai" }, { quality: "high", aspect_ratio: "16:9", output_format: "png", ...extra }));
    const rec = await driveToEnd(jobId, t);
    expect(rec.status, rec.error ?? "").toBe("COMPLETED");
    expect(rec.provider).toBe("openai");
    const creates = await createsOf(t, "openai");
    expect(creates.map((c) => [c.model, c.status])).toEqual([[model.id, 200]]);
    expect(rec.files).toHaveLength(1);
    expect(rec.files[0]).toMatchObject({ contentType: "image/png", width: 1376, height: 768 });
  });

  it("completes on leonardo, sent under its openai/ id", async () => {
    const t = tag();
    const jobId = await createJob(jobBody(model, { prompt: `lineup leonardo ${t}`, provider: "leonardo" }, { quality: "low", number_of_images: 2, ...extra }));
    const rec = await driveToEnd(jobId, t);
    expect(rec.status, rec.error ?? "").toBe("COMPLETED");
    const creates = await createsOf(t, "leonardo");
    expect(creates.map((c) => [c.model, c.status])).toEqual([[model.leonardoId, 200]]);
    expect(model.leonardoId).toMatch(/^openai\//);
    expect(rec.files).toHaveLength(2);
    expect((await r2Bytes(rec.files[1]!.key)).byteLength).toBe(rec.files[1]!.byteSize);
  });

  it("is refused with apiframe alone, which says why", async () => {
    const res = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(jobBody(model, { prompt: "p", provider: "apiframe" })) });
    expect(res.status).toBe(422);
    const problem = (await res.json()) as { code: string; errors: { path: string; message: string }[] };
    expect(problem.code).toBe("no_provider");
    expect(problem.errors).toEqual([{ path: "provider.apiframe", message: `apiframe does not offer ${model.id}` }]);
  });
});

describe("what only some providers make", () => {
  it("rules Leonardo out for xhigh, naming the quality", async () => {
    const res = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(jobBody(family25, { prompt: "p", provider: "leonardo" }, { quality: "xhigh" })) });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ errors: [{ path: "provider.leonardo", message: `leonardo has no quality xhigh for ${family25.id}` }] });
  });

  it("rules Leonardo out for gif and svg, naming the format", async () => {
    for (const [format, size] of [["gif", { width: 768, height: 768, frame_count: 4 }], ["svg", {}]] as const) {
      const res = await api("/v2/images/generate", { method: "POST", body: JSON.stringify(jobBody(family26, { prompt: "p", provider: "leonardo" }, { output_format: format, ...size })) });
      expect(res.status).toBe(422);
      expect(await res.json()).toMatchObject({ errors: [{ path: "provider.leonardo", message: `leonardo makes no ${format} for ${family26.id}` }] });
    }
  });

  it("sends an xhigh gif with its frames to openai, and stores the GIF it answers", async () => {
    const t = tag();
    const jobId = await createJob(
      jobBody(family26, { prompt: `lineup gif ${t}`, provider: ["leonardo", "openai"] }, { quality: "xhigh", output_format: "gif", width: 768, height: 768, frame_count: 3, frame_duration_ms: 120 }),
    );
    const rec = await driveToEnd(jobId, t);
    expect(rec.status, rec.error ?? "").toBe("COMPLETED");
    expect(rec.provider).toBe("openai");
    expect(await createsOf(t, "leonardo")).toEqual([]);
    expect(rec.files[0]).toMatchObject({ contentType: "image/gif", width: 768, height: 768 });
    const bytes = await r2Bytes(rec.files[0]!.key);
    expect(new TextDecoder().decode(bytes.slice(0, 6))).toBe("GIF89a");
    expect(rec.creditCost).toBe(family26.credits.xhigh);
  });

  it("charges an svg its factor, and stores the SVG document openai answers", async () => {
    const t = tag();
    const jobId = await createJob(jobBody(family26, { prompt: `lineup svg ${t}`, provider: "openai" }, { quality: "low", output_format: "svg" }));
    const rec = await driveToEnd(jobId, t);
    expect(rec.status, rec.error ?? "").toBe("COMPLETED");
    expect(rec.creditCost).toBe(family26.credits.low! * family26.svg!.creditFactor);
    expect(rec.files[0]).toMatchObject({ contentType: "image/svg+xml" });
    expect(new TextDecoder().decode(await r2Bytes(rec.files[0]!.key))).toMatch(/<svg[\s>]/);
  });
});
