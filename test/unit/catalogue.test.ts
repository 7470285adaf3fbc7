import { describe, expect, it } from "vitest";
import { CATALOGUE, creditCost, modelEntries, sizeProblem, type Quality } from "../../src/catalogue";
import { lifecycleHeaders, lifecycleStatus } from "../../src/catalogue/lifecycle";
import { GenerateRequest } from "../../src/surfaces/native/schemas";

// SPEC §3: every rule, both sides of every bound.

const v2 = CATALOGUE["gpt-image-2"];
const v15 = CATALOGUE["gpt-image-1.5"];

const parse = (body: unknown) => GenerateRequest.safeParse(body);
const messages = (body: unknown): string[] => {
  const r = parse(body);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};
const two = (params: object) => ({ prompt: "p", model: "gpt-image-2", gptImage2Params: params });
const one = (params: object) => ({ prompt: "p", model: "gpt-image-1.5", gptImageParams: params });

describe("gpt-image-2 custom sizes (seed 001)", () => {
  it.each([
    [3824, 2144, true, "long edge 3824 < 3840"],
    [3840, 2160, false, "long edge 3840 is not < 3840"],
    [2160, 3840, false, "long edge 3840 (portrait)"],
    [1024, 640, true, "655,360 pixels exactly"],
    [1024, 624, false, "638,976 pixels: below 655,360"],
    [3824, 2160, true, "8,259,840 pixels (long edge below 3840, within 8,294,400)"],
    [3072, 1024, true, "ratio exactly 3"],
    [3088, 1024, false, "ratio above 3"],
    [1024, 3072, true, "ratio exactly 3 (portrait)"],
    [1000, 1000, false, "not a multiple of 16"],
    [1024, 1000, false, "height not a multiple of 16"],
    [1376, 768, true, "16:9 preset"],
    [848, 1264, true, "2:3 preset"],
    [2048, 2048, true, "square custom"],
  ])("%ix%i → %s (%s)", (width, height, ok) => {
    expect(sizeProblem(v2, { width, height }) === null).toBe(ok);
    expect(parse(two({ width, height })).success).toBe(ok);
  });

  it("names the rule a size breaks, with the value and the bound", () => {
    expect(sizeProblem(v2, { width: 3840, height: 1280 })).toBe("width 3840 is too large: gpt-image-2 needs max(width, height) < 3840");
    expect(sizeProblem(v2, { width: 1000, height: 1024 })).toMatch(/width 1000 is not a multiple of 16/);
    expect(sizeProblem(v2, { width: 3088, height: 1024 })).toMatch(/max\(width, height\) \/ min\(width, height\) <= 3/);
    expect(sizeProblem(v2, { width: 1024, height: 624 })).toMatch(/638976 pixels, too few: gpt-image-2 needs at least 655360/);
  });

  it("caps pixels at 8,294,400 (checked with a rule whose edge limit does not mask it)", () => {
    const wide = { ...v2, customSize: { ...v2.customSize!, maxEdgeExclusive: 100_000 } };
    expect(sizeProblem(wide, { width: 3840, height: 2160 })).toBeNull(); // 8,294,400 exactly
    expect(sizeProblem(wide, { width: 3856, height: 2160 })).toMatch(/too many: gpt-image-2 allows at most 8294400/);
  });

  it("never accepts auto or a half-given size", () => {
    expect(messages(two({ aspect_ratio: "auto" }))[0]).toMatch(/aspect_ratio/);
    expect(messages(two({ width: 1024 }))).toEqual(["gptImage2Params.height: give both width and height, or neither"]);
    expect(messages(two({ aspect_ratio: "1:1", width: 1024, height: 1024 }))[0]).toMatch(/either aspect_ratio or width and height/);
  });

  it("takes each preset aspect ratio and refuses others", () => {
    for (const ratio of Object.keys(v2.presets)) expect(parse(two({ aspect_ratio: ratio })).success).toBe(true);
    expect(parse(two({ aspect_ratio: "4:3" })).success).toBe(false);
  });
});

describe("gpt-image-1.5 sizes (seeds 000, 002)", () => {
  it.each([
    [1024, 1024, true], [1536, 1024, true], [1024, 1536, true],
    [1376, 768, false], [2048, 2048, false], [1536, 1536, false],
  ])("%ix%i allowed: %s", (width, height, ok) => {
    expect(parse(one({ width, height })).success).toBe(ok);
  });
  it("lists the allowed sizes when refusing one", () => {
    expect(messages(one({ width: 1376, height: 768 }))[0]).toMatch(/1024x1024 \(1:1\), 1536x1024 \(3:2\), 1024x1536 \(2:3\)/);
  });
  it("takes 1:1, 3:2 and 2:3 only", () => {
    for (const r of ["1:1", "3:2", "2:3"]) expect(parse(one({ aspect_ratio: r })).success).toBe(true);
    expect(parse(one({ aspect_ratio: "16:9" })).success).toBe(false);
  });
});

describe("quantities, enums, ranges", () => {
  it.each([[0, false], [1, true], [10, true], [11, false], [2.5, false]])("number_of_images %s → %s", (n, ok) => {
    expect(parse(two({ number_of_images: n })).success).toBe(ok);
    expect(parse(one({ number_of_images: n })).success).toBe(ok);
  });
  it.each([["low", true], ["medium", true], ["high", true], ["auto", true], ["LOW", false], ["ultra", false]])("quality %s → %s", (q, ok) => {
    expect(parse(two({ quality: q })).success).toBe(ok);
  });
  it.each([["webp", true], ["png", true], ["jpeg", true], ["jpg", false], ["gif", false]])("output_format %s → %s", (f, ok) => {
    expect(parse(one({ output_format: f })).success).toBe(ok);
  });
  it.each([["auto", true], ["opaque", true], ["transparent", true], ["white", false]])("background %s → %s", (b, ok) => {
    expect(parse(one({ background: b, output_format: "png" })).success).toBe(ok);
  });
  it("refuses a transparent background with jpeg, naming the formats that work", () => {
    expect(messages(one({ background: "transparent", output_format: "jpeg" }))).toEqual([
      'gptImageParams.background: background "transparent" needs output_format png or webp, not jpeg',
    ]);
    expect(parse(one({ background: "transparent" })).success).toBe(true); // default webp has alpha
  });
  it.each([[-1, false], [0, true], [4294967295, true], [4294967296, false], [1.5, false]])("seed %s → %s", (seed, ok) => {
    expect(parse(two({ seed })).success).toBe(ok);
  });
  it("takes input_fidelity low|high on gpt-image-1.5", () => {
    expect(parse(one({ input_fidelity: "high" })).success).toBe(true);
    expect(parse(one({ input_fidelity: "max" })).success).toBe(false);
  });
  it("takes reference_strength LOW|MID|HIGH on gpt-image-1.5", () => {
    for (const s of ["LOW", "MID", "HIGH"]) expect(parse(one({ reference_strength: s })).success).toBe(true);
    expect(parse(one({ reference_strength: "mid" })).success).toBe(false);
  });
  it("caps references at 16", () => {
    const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://example.com/${i}.png`);
    expect(parse(two({ input_images: urls(16) })).success).toBe(true);
    expect(parse(two({ input_images: urls(17) })).success).toBe(false);
  });
  it("bounds the prompt at 1..32000 characters", () => {
    expect(parse({ prompt: "", model: "gpt-image-2" }).success).toBe(false);
    expect(parse({ prompt: "x".repeat(32000), model: "gpt-image-2" }).success).toBe(true);
    expect(messages({ prompt: "x".repeat(32001), model: "gpt-image-2" })[0]).toMatch(/32001 characters: gpt-image-2 takes at most 32000/);
  });
  it("bounds metadata at 16 string pairs", () => {
    const meta = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"]));
    expect(parse({ prompt: "p", model: "gpt-image-2", metadata: meta(16) }).success).toBe(true);
    expect(parse({ prompt: "p", model: "gpt-image-2", metadata: meta(17) }).success).toBe(false);
    expect(parse({ prompt: "p", model: "gpt-image-2", metadata: { a: 1 } }).success).toBe(false);
  });
});

describe("parameters that belong to the other model, and unknown keys", () => {
  it("says which model takes input_fidelity and reference_strength", () => {
    expect(messages(two({ input_fidelity: "high" }))).toEqual([
      "gptImage2Params: input_fidelity is not a gpt-image-2 parameter: only gpt-image-1.5 takes it",
    ]);
    expect(messages(two({ reference_strength: "MID" }))[0]).toMatch(/reference_strength is not a gpt-image-2 parameter: only gpt-image-1.5/);
  });
  it("says which params key each model takes", () => {
    expect(messages({ prompt: "p", model: "gpt-image-1.5", gptImage2Params: {} })).toEqual([
      ": gptImage2Params is for gpt-image-2; gpt-image-1.5 takes gptImageParams",
    ]);
    expect(messages({ prompt: "p", model: "gpt-image-2", gptImageParams: {} })[0]).toMatch(/gptImageParams is for gpt-image-1.5; gpt-image-2 takes gptImage2Params/);
  });
  it("rejects unknown keys at every level", () => {
    expect(messages({ prompt: "p", model: "gpt-image-2", promt: "typo" })[0]).toMatch(/promt is not a field/);
    expect(messages(two({ qualty: "low" }))[0]).toMatch(/qualty is not a gptImage2Params field/);
  });
  it("requires a known model", () => {
    const ids = modelEntries().flatMap((e) => [e.id, ...e.aliases]);
    expect(ids).toContain("gpt-image-2.5-flare-2026-09-08");
    expect(messages({ prompt: "p" })).toEqual([`model: model must be one of ${ids.join(", ")}`]);
    expect(messages({ prompt: "p", model: "dall-e-3" })).toEqual([`model: model must be one of ${ids.join(", ")}`]);
  });
});

describe("prices and lifecycle", () => {
  it("charges seed 002's credits per image", () => {
    const cost = (entry: typeof v2, quality: Quality, quantity: number) => creditCost(entry, { quality, outputFormat: "png", quantity });
    expect(cost(v15, "medium", 3)).toBe(27);
    expect([cost(v15, "low", 1), cost(v15, "high", 1), cost(v15, "auto", 1)]).toEqual([4, 24, 24]);
    expect([cost(v2, "low", 1), cost(v2, "medium", 1), cost(v2, "high", 1), cost(v2, "auto", 1)]).toEqual([4, 9, 23, 23]);
  });
  it("derives status from the dates and sends Deprecation/Sunset only while deprecated", () => {
    expect(lifecycleStatus(v15, Date.parse("2026-06-01T23:59:59Z"))).toBe("active");
    expect(lifecycleStatus(v15, Date.parse("2026-06-02T00:00:00Z"))).toBe("deprecated");
    expect(lifecycleStatus(v15, Date.parse("2026-11-30T23:59:59Z"))).toBe("deprecated");
    expect(lifecycleStatus(v15, Date.parse("2026-12-01T00:00:00Z"))).toBe("retired");
    expect(lifecycleStatus(v2, Date.parse("2030-01-01T00:00:00Z"))).toBe("active");
    const headers = lifecycleHeaders(v15, Date.parse("2026-11-21T00:00:00Z"));
    expect(headers.Deprecation).toBe(`@${Date.parse("2026-06-02T00:00:00Z") / 1000}`);
    expect(headers.Sunset).toBe("Tue, 01 Dec 2026 00:00:00 GMT");
    expect(lifecycleHeaders(v2, Date.parse("2030-01-01T00:00:00Z"))).toEqual({});
  });
});
