import { describe, expect, it } from "vitest";
import { CATALOGUE, type JobSpec, type ModelEntry } from "../../src/catalogue";
import { lifecycleHeaders, lifecycleInForce, lifecycleStatus, successorsInWords, type OpenAIDates } from "../../src/catalogue/lifecycle";
import { mergeShutdowns } from "../../src/providers/openai/shutdown-dates";
import { parsePrices, priceList } from "../../src/catalogue/prices";
import { carryOver, upgradesInForce } from "../../src/catalogue/upgrades";
import { withLifecycle } from "../helpers/models";

// The lifecycle rules with every date injected: the dates in force (catalogue vs OpenAI's), the upgrades that apply on
// a day, the spec a successor is handed, and CREDIT_PRICES' checks. Entries are copies with pinned lifecycles, never
// read by today's date.

const at = (day: string): number => Date.parse(`${day}T12:00:00Z`);
const pinned = (entry: ModelEntry, lifecycle: Partial<ModelEntry["lifecycle"]>): ModelEntry => ({ ...entry, lifecycle: { ...entry.lifecycle, ...lifecycle } });

const v15 = CATALOGUE["gpt-image-1.5"];
const flare26 = CATALOGUE["gpt-image-2.6-flare"];

describe("the dates in force", () => {
  const dates = (models: OpenAIDates["models"]): OpenAIDates => ({ checkedAt: "2031-03-01T05:17:00.000Z", models });
  const current = pinned(flare26, { deprecatedOn: null, sunsetOn: null });

  it("are the catalogue's without a date from OpenAI", () => {
    expect(lifecycleInForce(current, null)).toMatchObject({ sunsetOn: null, source: { deprecatedOn: "catalogue", sunsetOn: "catalogue" }, checkedAt: null });
    expect(lifecycleInForce(current, dates({}))).toMatchObject({ source: { sunsetOn: "catalogue" }, checkedAt: "2031-03-01T05:17:00.000Z" });
  });

  it("take OpenAI's shutdown date, deprecated from the day it was first seen", () => {
    const read = dates({ "gpt-image-2.6-flare": { shutdownOn: "2031-06-01", seenOn: "2031-03-01" } });
    expect(lifecycleInForce(current, read)).toMatchObject({ deprecatedOn: "2031-03-01", sunsetOn: "2031-06-01", source: { deprecatedOn: "openai", sunsetOn: "openai" } });
    expect(lifecycleStatus(current, at("2031-02-28"), read)).toBe("active");
    expect(lifecycleStatus(current, at("2031-03-01"), read)).toBe("deprecated");
    expect(lifecycleStatus(current, Date.parse("2031-06-01T00:00:00Z"), read)).toBe("retired");
    expect(lifecycleHeaders(current, at("2031-04-01"), read)).toEqual({ Deprecation: `@${Date.parse("2031-03-01T00:00:00Z") / 1000}`, Sunset: "Sun, 01 Jun 2031 00:00:00 GMT" });
  });

  it("keep the catalogue's earlier deprecation, and never deprecate after the shutdown", () => {
    const early = pinned(flare26, { deprecatedOn: "2031-01-10", sunsetOn: "2031-12-01" });
    const read = dates({ "gpt-image-2.6-flare": { shutdownOn: "2031-06-01", seenOn: "2031-03-01" } });
    expect(lifecycleInForce(early, read)).toMatchObject({ deprecatedOn: "2031-01-10", sunsetOn: "2031-06-01", source: { deprecatedOn: "catalogue", sunsetOn: "openai" } });
    const late = dates({ "gpt-image-2.6-flare": { shutdownOn: "2031-02-01", seenOn: "2031-03-01" } });
    expect(lifecycleInForce(current, late)).toMatchObject({ deprecatedOn: "2031-02-01", sunsetOn: "2031-02-01" });
  });
});

describe("reading OpenAI's list", () => {
  const now = at("2031-03-01");

  it("matches ids through aliases, takes the earliest date, and remembers the day a date was first seen", () => {
    const first = mergeShutdowns(null, [
      { id: "gpt-image-2.5-flare-2026-09-08", shutdown_date: "2031-07-01" },
      { id: "gpt-image-2.5-flare", shutdown_date: "2031-08-01" },
      { id: "gpt-image-2", shutdown_date: null },
      { id: "dall-e-3", shutdown_date: "2026-05-12" },
      { id: "gpt-image-2.6-flare", shutdown_date: "soon" },
    ], now);
    expect(first).toEqual({ checkedAt: "2031-03-01T12:00:00.000Z", models: { "gpt-image-2.5-flare": { shutdownOn: "2031-07-01", seenOn: "2031-03-01" } } });
    const moved = mergeShutdowns(first, [{ id: "gpt-image-2.5-flare", shutdown_date: "2031-09-01" }], at("2031-03-05"));
    expect(moved.models).toEqual({ "gpt-image-2.5-flare": { shutdownOn: "2031-09-01", seenOn: "2031-03-01" } });
  });

  it("keeps a model OpenAI stopped listing, and drops one it lists with no date", () => {
    const before: OpenAIDates = { checkedAt: "2031-02-01T00:00:00.000Z", models: { "gpt-image-1.5": { shutdownOn: "2026-12-01", seenOn: "2026-06-02" }, "gpt-image-2": { shutdownOn: "2031-05-01", seenOn: "2031-02-01" } } };
    const after = mergeShutdowns(before, [{ id: "gpt-image-2", shutdown_date: null }], now);
    expect(after.models).toEqual({ "gpt-image-1.5": { shutdownOn: "2026-12-01", seenOn: "2026-06-02" } });
  });
});

describe("RETIRED_MODEL_UPGRADES", () => {
  const retiredDay = at("2027-01-01");
  const deprecatedDay = at("2026-09-01");

  it("applies a pair once the model is retired, and only then", () => {
    expect([...upgradesInForce("gpt-image-1.5=gpt-image-2.6-sunburst", retiredDay, null)]).toEqual([["gpt-image-1.5", "gpt-image-2.6-sunburst"]]);
    expect(upgradesInForce("gpt-image-1.5=gpt-image-2.6-sunburst", deprecatedDay, null).size).toBe(0);
    expect(upgradesInForce(undefined, retiredDay, null).size).toBe(0);
    expect([...upgradesInForce(" gpt-image-1.5-2025-12-16 = gpt-image-2.6-flare ,", retiredDay, null)]).toEqual([["gpt-image-1.5", "gpt-image-2.6-flare"]]);
  });

  it.each([
    ["gpt-image-1.5=gpt-image-9"],
    ["gpt-image-1.5"],
    ["gpt-image-1.5=gpt-image-2=gpt-image-2.6-flare"],
    ["gpt-image-1.5=gpt-image-1.5"],
    ["gpt-image-2=gpt-image-2.6-flare"],
  ])("ignores %s", (raw) => {
    expect(upgradesInForce(raw, retiredDay, null).size).toBe(0);
  });

  it("ignores a successor retired itself (by OpenAI's date), and a second pair for one model", () => {
    const dates: OpenAIDates = { checkedAt: "2026-12-31T00:00:00.000Z", models: { "gpt-image-2.6-flare": { shutdownOn: "2026-12-20", seenOn: "2026-12-01" } } };
    expect(upgradesInForce("gpt-image-1.5=gpt-image-2.6-flare", retiredDay, dates).size).toBe(0);
    expect([...upgradesInForce("gpt-image-1.5=gpt-image-2.6-sunburst,gpt-image-1.5=gpt-image-2", retiredDay, null)]).toEqual([["gpt-image-1.5", "gpt-image-2.6-sunburst"]]);
  });

  it("ignores a successor that lacks a quality of the model it replaces", () =>
    withLifecycle("gpt-image-2.6-flare", { deprecatedOn: null, sunsetOn: "2020-01-01", successors: [], note: "test: retired" }, async () => {
      // gpt-image-2.6-flare takes xhigh and max; gpt-image-2 does not.
      expect(upgradesInForce("gpt-image-2.6-flare=gpt-image-2", retiredDay, null).size).toBe(0);
      expect(upgradesInForce("gpt-image-2.6-flare=gpt-image-2.6-sunburst", retiredDay, null).size).toBe(1);
    }));
});

describe("carrying a spec over to the successor", () => {
  const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
    model: "gpt-image-1.5", prompt: "p", quality: "high", width: 1536, height: 1024, aspectRatio: "3:2", outputFormat: "webp", background: "transparent",
    quantity: 3, references: [{ kind: "upload", id: "upl_1" }], referenceStrength: "MID", inputFidelity: "low", seed: 7, promptEnhance: true, moderation: "low", ...over,
  });

  it("keeps the exact size, quality, format and the rest; drops what the successor does not take", () => {
    const carried = carryOver(spec(), CATALOGUE["gpt-image-2.6-sunburst"]);
    expect(carried).toEqual({
      spec: { ...spec(), model: "gpt-image-2.6-sunburst", aspectRatio: null, referenceStrength: null, inputFidelity: null, complexity: "high" },
      upgrade: { from: "gpt-image-1.5", to: "gpt-image-2.6-sunburst", dropped: ["referenceStrength", "inputFidelity"] },
    });
  });

  it("lists nothing as dropped that had nothing to apply to, and recomputes a shared preset's name", () => {
    const carried = carryOver(spec({ references: [], width: 1024, height: 1024, aspectRatio: "1:1" }), CATALOGUE["gpt-image-2.6-flare"]);
    expect(carried).toMatchObject({ spec: { aspectRatio: "1:1", inputFidelity: null }, upgrade: { dropped: [] } });
  });

  it("drops complexity for a successor without it, and refuses a size the successor cannot make", () => {
    expect(carryOver(spec({ model: "gpt-image-2.6-flare", complexity: "low", references: [] }), CATALOGUE["gpt-image-2"])).toMatchObject({ upgrade: { dropped: ["complexity"] } });
    expect(carryOver(spec({ width: 1536, height: 1024 }), v15)).toMatchObject({ spec: { aspectRatio: "3:2" } });
    expect(carryOver(spec({ width: 3840, height: 2160 }), CATALOGUE["gpt-image-2"])).toEqual({ problem: expect.stringMatching(/width 3840 is too large/) });
  });
});

describe("CREDIT_PRICES", () => {
  it("goes over the catalogue's defaults, by model id or alias", () => {
    const parsed = parsePrices('{"gpt-image-2": {"low": 0, "high": 30}, "gpt-image-2.5-sunburst-2026-09-08": {"max": 70}}');
    expect(parsed).toEqual({ ok: true, table: { "gpt-image-2": { low: 0, high: 30 }, "gpt-image-2.5-sunburst": { max: 70 } } });
    if (!parsed.ok) return;
    expect(priceList(CATALOGUE["gpt-image-2"], parsed.table)).toEqual({ low: 0, medium: 9, high: 30, auto: 23 });
    expect(priceList(v15, parsed.table)).toEqual(v15.credits);
    expect(parsePrices(undefined)).toEqual({ ok: true, table: {} });
    expect(parsePrices("  ")).toEqual({ ok: true, table: {} });
  });

  it.each([
    ["7", /JSON object/],
    ["null", /JSON object/],
    ['{"gpt-image-2": 7}', /gpt-image-2 must map qualities to credits/],
    ['{"gpt-image-2.5-flare": {"low": 1}, "gpt-image-2.5-flare-2026-09-08": {"low": 2}}', /priced twice/],
    ['{"gpt-image-1.5": {"max": 50}}', /gpt-image-1.5 has no quality max: use low, medium, high, auto/],
    ['{"gpt-image-2": {"low": 1e20}}', /whole number/],
  ])("checks %s", (raw, problem) => {
    expect(parsePrices(raw)).toEqual({ ok: false, problem: expect.stringMatching(problem) });
  });
});

it("names successors as a sentence does", () => {
  expect(successorsInWords([])).toBe("");
  expect(successorsInWords(["a"])).toBe("a");
  expect(successorsInWords(["a", "b"])).toBe("a or b");
  expect(successorsInWords(["a", "b", "c"])).toBe("a, b or c");
});
