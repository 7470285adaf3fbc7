import { describe, expect, it } from "vitest";
import { modelEntries, sizeProblem, type ModelEntry } from "../../src/catalogue";
import { LeonardoGenerationRequest } from "../../src/surfaces/leonardo/schemas";
import { GenerateRequest } from "../../src/surfaces/native/schemas";
import { nativeToJobRequest } from "../../src/surfaces/native/to-spec";
import { EditFormRequest, EditJsonRequest, GenerationRequest } from "../../src/surfaces/openai/schemas";
import { openaiToJobRequest } from "../../src/surfaces/openai/to-spec";
import type { Env } from "../../src/env";

// SPEC §3.3 on all three surfaces: both sides of every new bound. The models are chosen from the catalogue by the
// rule under test (the first that has it, the first that lacks it), so a new model changes no line here.

const find = (what: string, test: (e: ModelEntry) => boolean): ModelEntry => {
  const entry = modelEntries().find(test);
  if (!entry) throw new Error(`the catalogue has no model that ${what}`);
  return entry;
};
const gifModel = find("makes gif", (e) => e.gif !== null);
const svgModel = find("makes svg", (e) => e.svg !== null);
const xhighNoComplexity = find("takes xhigh but no complexity", (e) => e.qualities.includes("xhigh") && e.complexity === null);
const customNoXhigh = find("takes custom sizes but not xhigh", (e) => e.customSize !== null && !e.qualities.includes("xhigh"));
const withAlias = find("has an alias", (e) => e.aliases.length > 0 && e.qualities.includes("max"));
const sixteenAtLeonardo = find("takes 16 Leonardo references", (e) => e.references.leonardo === 16);
const sixAtLeonardo = find("takes 6 Leonardo references without strength", (e) => e.references.leonardo === 6 && !e.references.strength);
const takers = (test: (e: ModelEntry) => boolean) => modelEntries().filter(test).map((e) => e.id).join(", ");

const issues = (schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } }, body: unknown) => {
  const r = schema.safeParse(body);
  return r.success ? [] : r.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};
const native = (entry: ModelEntry, params: object) => issues(GenerateRequest, { prompt: "p", model: entry.id, [entry.paramsKey]: params });
const openai = (entry: ModelEntry, fields: object) => issues(GenerationRequest, { prompt: "p", model: entry.id, ...fields });
const leonardo = (model: string, parameters: object) => issues(LeonardoGenerationRequest, { model, parameters: { prompt: "p", ...parameters } });
const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://example.com/${i}.png`);

describe("quality xhigh and max: only the models that list them", () => {
  it.each(["xhigh", "max"])("%s passes on a model that takes it, on native and OpenAI", (quality) => {
    expect(native(xhighNoComplexity, { quality })).toEqual([]);
    expect(openai(gifModel, { quality })).toEqual([]);
  });
  it("is refused elsewhere naming the field, the value, what is allowed and who takes it", () => {
    const expected = `quality "xhigh" is not allowed for ${customNoXhigh.id}: use ${customNoXhigh.qualities.join(", ")} ("xhigh" is for ${takers((e) => e.qualities.includes("xhigh"))})`;
    expect(native(customNoXhigh, { quality: "xhigh" })).toEqual([`${customNoXhigh.paramsKey}.quality: ${expected}`]);
    expect(openai(customNoXhigh, { quality: "xhigh" })).toEqual([`quality: ${expected}`]);
  });
  it("is not a Leonardo quality, whatever the model (its guides document LOW|MEDIUM|HIGH)", () => {
    expect(leonardo(gifModel.leonardoId, { quality: "HIGH" })).toEqual([]);
    expect(leonardo(gifModel.leonardoId, { quality: "XHIGH" })).toEqual(["parameters.quality: must be LOW, MEDIUM, HIGH"]);
  });
});

describe("complexity: only where the model plans its layout", () => {
  it.each(["low", "medium", "high"])("%s passes on native and OpenAI, in capitals on Leonardo", (complexity) => {
    expect(native(gifModel, { complexity })).toEqual([]);
    expect(openai(gifModel, { complexity })).toEqual([]);
    expect(leonardo(gifModel.leonardoId, { complexity: complexity.toUpperCase() })).toEqual([]);
  });
  it("refuses a value outside the enum", () => {
    expect(native(gifModel, { complexity: "extreme" })[0]).toMatch(/complexity/);
    expect(openai(gifModel, { complexity: "HIGH" })[0]).toMatch(/^complexity: /);
    expect(leonardo(gifModel.leonardoId, { complexity: "high" })).toEqual(["parameters.complexity: must be LOW, MEDIUM, HIGH"]);
  });
  it("is refused on a model without it, naming the models that take it", () => {
    const who = takers((e) => e.complexity !== null);
    expect(native(xhighNoComplexity, { complexity: "low" })).toEqual([
      `${xhighNoComplexity.paramsKey}: complexity is not a ${xhighNoComplexity.id} parameter: only ${who} takes it`,
    ]);
    expect(openai(xhighNoComplexity, { complexity: "low" })).toEqual([`complexity: complexity is not a ${xhighNoComplexity.id} parameter: only ${who} takes it`]);
    expect(leonardo(xhighNoComplexity.leonardoId, { complexity: "LOW" })).toEqual([
      `parameters.complexity: complexity is not a ${xhighNoComplexity.id} parameter: only ${who} takes it`,
    ]);
  });
});

describe("gif and svg: only on the models that make them", () => {
  it.each(["gif", "svg"])("%s is refused on a model without it", (format) => {
    const who = takers((e) => e.outputFormats.includes(format as "gif"));
    const expected = `output_format "${format}" is not allowed for ${xhighNoComplexity.id}: use ${xhighNoComplexity.outputFormats.join(", ")} ("${format}" is for ${who})`;
    expect(native(xhighNoComplexity, { output_format: format })).toEqual([`${xhighNoComplexity.paramsKey}.output_format: ${expected}`]);
    expect(openai(xhighNoComplexity, { output_format: format })).toEqual([`output_format: ${expected}`]);
  });
});

describe("gif frames", () => {
  const gif = (more: object) => ({ output_format: "gif", width: 960, height: 960, ...more });
  it.each([
    [{ frame_count: 1 }, false],
    [{ frame_count: 2 }, true],
    [{ frame_count: 9 }, true],
    [{ frame_count: 16, width: 720, height: 720 }, true],
    [{ frame_count: 17 }, false],
    [{ frame_count: 3.5 }, false],
    [{ frame_duration_ms: 19 }, false],
    [{ frame_duration_ms: 20 }, true],
    [{ frame_duration_ms: 655_350 }, true],
    [{ frame_duration_ms: 655_351 }, false],
  ])("native %j → %s", (more, ok) => {
    expect(native(gifModel, gif(more)).length === 0).toBe(ok);
  });
  it.each([
    [{ frame_count: 1 }, false],
    [{ frame_count: 2 }, true],
    [{ frame_count: 17 }, false],
    [{ frame_duration_ms: 19 }, false],
    [{ frame_duration_ms: 20 }, true],
    [{ frame_duration_ms: 655_351 }, false],
  ])("OpenAI %j → %s", (more, ok) => {
    expect(openai(gifModel, { output_format: "gif", size: "960x960", ...more }).length === 0).toBe(ok);
  });
  it("takes frame_count and frame_duration_ms only with gif", () => {
    expect(native(gifModel, { output_format: "png", frame_count: 4 })).toEqual([`${gifModel.paramsKey}.frame_count: frame_count is only for output_format gif, not png`]);
    expect(openai(gifModel, { frame_duration_ms: 100 })).toEqual(["frame_duration_ms: frame_duration_ms is only for output_format gif, not png"]);
    expect(native(customNoXhigh, { frame_count: 4 })[0]).toMatch(new RegExp(`frame_count is not a ${customNoXhigh.id} parameter: only ${takers((e) => e.gif !== null)}`));
    expect(openai(customNoXhigh, { frame_count: 4 })).toEqual([`frame_count: frame_count is not a ${customNoXhigh.id} parameter: only ${takers((e) => e.gif !== null)} takes it`]);
  });
  it("refuses stream, partial_images and output_compression with gif (OpenAI)", () => {
    const base = { output_format: "gif", size: "960x960" };
    expect(openai(gifModel, { ...base, stream: true })).toEqual(["stream: output_format gif cannot be streamed: leave stream off"]);
    expect(openai(gifModel, { ...base, partial_images: 2 })).toEqual(["partial_images: output_format gif has no partial images: leave partial_images out or 0"]);
    expect(openai(gifModel, { ...base, partial_images: 0 })).toEqual([]);
    expect(openai(gifModel, { ...base, output_compression: 50 })).toEqual(["output_compression: output_format gif takes no output_compression"]);
    expect(openai(gifModel, { output_format: "png", stream: true, partial_images: 2 })).toEqual([]);
  });
  it("refuses a mask with gif on both kinds of edit", () => {
    const json = { prompt: "p", model: gifModel.id, output_format: "gif", size: "960x960", images: [{ image_url: "https://example.com/a.png" }] };
    expect(issues(EditJsonRequest, json)).toEqual([]);
    expect(issues(EditJsonRequest, { ...json, mask: { image_url: "https://example.com/m.png" } })).toEqual(["mask: output_format gif takes no mask"]);
    const file = new File([new Uint8Array(8)], "a.png", { type: "image/png" });
    const form = { prompt: "p", model: gifModel.id, output_format: "gif", size: "960x960", image: file };
    expect(issues(EditFormRequest, form)).toEqual([]);
    expect(issues(EditFormRequest, { ...form, mask: file })).toEqual(["mask: output_format gif takes no mask"]);
  });
});

describe("a gif's frames lie on one sheet that must fit the size rules", () => {
  const rule = gifModel.customSize!;
  it.each([
    [9, 960, true], [9, 976, false], [2, 960, true],
    [12, 816, true], [12, 832, false], [10, 816, true],
    [16, 720, true], [16, 736, false], [13, 720, true],
  ])("%i frames of %ipx squares → %s", (frames, side, ok) => {
    expect(sizeProblem(gifModel, { width: side, height: side }, frames) === null).toBe(ok);
  });
  it("explains the sheet and the largest frame that fits", () => {
    expect(sizeProblem(gifModel, { width: 1024, height: 1024 }, 9)).toBe(
      `a 9-frame GIF of 1024x1024 is drawn as 3x3 frames on one 3072x3072 sheet of 9437184 pixels, too many: ${gifModel.id} allows at most ${rule.maxPixels}; frames of at most 960x960 fit`,
    );
  });
  it("refuses the native default 1:1 preset with the default frame count, naming what fits", () => {
    expect(native(gifModel, { output_format: "gif" })[0]).toMatch(/frame_count: a 9-frame GIF of 1024x1024 .* frames of at most 960x960 fit/);
    expect(native(gifModel, { output_format: "gif", aspect_ratio: "1:1" })[0]).toMatch(/^[^:]+\.aspect_ratio: a 9-frame GIF of 1024x1024/);
  });
  it("gives OpenAI's size auto the largest square frame the sheet allows, and checks a given size", () => {
    expect(openai(gifModel, { output_format: "gif" })).toEqual([]);
    const at = (fields: object) => openaiToJobRequest(GenerationRequest.parse({ prompt: "p", model: gifModel.id, output_format: "gif", ...fields }), [], null, {}).spec;
    expect(at({})).toMatchObject({ width: 960, height: 960 });
    expect(at({ size: "auto", frame_count: 12 })).toMatchObject({ width: 816, height: 816 });
    expect(at({ frame_count: 16 })).toMatchObject({ width: 720, height: 720 });
    expect(openai(gifModel, { output_format: "gif", size: "1024x1024" })[0]).toMatch(/^size: a 9-frame GIF of 1024x1024/);
    expect(openai(gifModel, { output_format: "gif", frame_count: 4, size: "768x768" })).toEqual([]);
  });
  it("still needs sides in multiples of 16", () => {
    expect(sizeProblem(gifModel, { width: 968, height: 960 }, 9)).toMatch(/width 968 is not a multiple of 16/);
  });
});

describe("svg: one image, generation only", () => {
  it("takes n / number_of_images 1 and refuses more", () => {
    expect(native(svgModel, { output_format: "svg" })).toEqual([]);
    expect(native(svgModel, { output_format: "svg", number_of_images: 2 })).toEqual([
      `${svgModel.paramsKey}.number_of_images: output_format svg makes one image per request: number_of_images must be 1, not 2`,
    ]);
    expect(openai(svgModel, { output_format: "svg", n: 1 })).toEqual([]);
    expect(openai(svgModel, { output_format: "svg", n: 3 })).toEqual(["n: output_format svg makes one image per request: n must be 1, not 3"]);
  });
  it("takes no references", () => {
    expect(native(svgModel, { output_format: "svg", input_images: urls(1) })).toEqual([
      `${svgModel.paramsKey}.input_images: output_format svg is for generation only: it takes no input_images`,
    ]);
    const edit = { prompt: "p", model: svgModel.id, output_format: "svg", images: [{ image_url: "https://example.com/a.png" }] };
    expect(issues(EditJsonRequest, edit)).toEqual(["images: output_format svg is for generation only: it takes no images"]);
  });
});

describe("transparent backgrounds", () => {
  it("take gif on a model that makes it, and still refuse jpeg", () => {
    expect(native(gifModel, { output_format: "gif", width: 960, height: 960, background: "transparent" })).toEqual([]);
    expect(native(gifModel, { output_format: "jpeg", background: "transparent" })).toEqual([
      `${gifModel.paramsKey}.background: background "transparent" needs output_format ${gifModel.transparentFormats.join(" or ")}, not jpeg`,
    ]);
  });
});

describe("references on the 2.5 and 2.6 families", () => {
  it("takes 16 and refuses 17, with no strength and no input_fidelity (native)", () => {
    expect(native(sixteenAtLeonardo, { input_images: urls(16) })).toEqual([]);
    expect(native(sixteenAtLeonardo, { input_images: urls(17) })[0]).toMatch(/input_images/);
    expect(native(sixteenAtLeonardo, { input_fidelity: "high" })[0]).toMatch(/input_fidelity is not a .* parameter: only gpt-image-1.5 takes it/);
    expect(native(sixteenAtLeonardo, { reference_strength: "LOW" })[0]).toMatch(/reference_strength is not a .* parameter/);
  });
  it("takes 16 and refuses 17 on OpenAI edits, with no input_fidelity", () => {
    const edit = (n: number, more: object = {}) => ({ prompt: "p", model: sixteenAtLeonardo.id, images: urls(n).map((image_url) => ({ image_url })), ...more });
    expect(issues(EditJsonRequest, edit(16))).toEqual([]);
    expect(issues(EditJsonRequest, edit(17))).toEqual(["images: takes at most 16 images"]);
    expect(issues(EditJsonRequest, edit(1, { input_fidelity: "high" }))[0]).toMatch(/^input_fidelity: is not a .* parameter/);
  });
  it("takes 16 on Leonardo for 2.5/2.6 and 6 for gpt-image-2, never with strength", () => {
    const refs = (n: number, strength?: string) => ({ guidances: { image_reference: Array.from({ length: n }, (_, i) => ({ image: { id: `u${i}`, type: "UPLOADED" }, ...(strength ? { strength } : {}) })) } });
    expect(leonardo(sixteenAtLeonardo.leonardoId, refs(16))).toEqual([]);
    expect(leonardo(sixteenAtLeonardo.leonardoId, refs(17))).toEqual([`parameters.guidances.image_reference: has 17 references: ${sixteenAtLeonardo.id} takes at most 16`]);
    expect(leonardo(sixAtLeonardo.leonardoId, refs(6))).toEqual([]);
    expect(leonardo(sixAtLeonardo.leonardoId, refs(7))).toEqual([`parameters.guidances.image_reference: has 7 references: ${sixAtLeonardo.id} takes at most 6`]);
    expect(leonardo(sixteenAtLeonardo.leonardoId, refs(1, "LOW"))[0]).toMatch(/strength: is not used by/);
  });
});

describe("number of images on the 2.5 and 2.6 families", () => {
  it("takes 1..10 natively and on OpenAI, 1..8 on Leonardo", () => {
    expect(native(sixteenAtLeonardo, { number_of_images: 10 })).toEqual([]);
    expect(native(sixteenAtLeonardo, { number_of_images: 11 })[0]).toMatch(/number_of_images/);
    expect(openai(sixteenAtLeonardo, { n: 10 })).toEqual([]);
    expect(openai(sixteenAtLeonardo, { n: 11 })[0]).toMatch(/^n: /);
    expect(leonardo(sixteenAtLeonardo.leonardoId, { quantity: 8 })).toEqual([]);
    expect(leonardo(sixteenAtLeonardo.leonardoId, { quantity: 9 })).toEqual([`parameters.quantity: 9 is too many: ${sixteenAtLeonardo.id} makes 1 to 8 images per request`]);
  });
});

describe("model ids", () => {
  it("accepts an alias (a dated snapshot) and maps it to its entry", () => {
    const alias = withAlias.aliases[0]!;
    expect(issues(GenerateRequest, { prompt: "p", model: alias, [withAlias.paramsKey]: { quality: "max" } })).toEqual([]);
    expect(issues(GenerationRequest, { prompt: "p", model: alias, quality: "max" })).toEqual([]);
    const body = GenerateRequest.parse({ prompt: "p", model: alias });
    expect(nativeToJobRequest(body, { ENVIRONMENT: "test" } as Env).spec.model).toBe(withAlias.id);
  });
  it("takes Leonardo's openai/ ids and the bare ones in the Leonardo dialect, and refuses the openai/ ids elsewhere", () => {
    const prefixed = modelEntries().filter((e) => e.leonardoId !== e.id);
    expect(prefixed.length).toBeGreaterThan(0);
    for (const e of prefixed) {
      expect(leonardo(e.leonardoId, {})).toEqual([]);
      expect(leonardo(e.id, {})).toEqual([]);
      expect(issues(GenerateRequest, { prompt: "p", model: e.leonardoId })[0]).toMatch(/^model: model must be one of/);
    }
    expect(leonardo("openai/gpt-image-9", {})[0]).toMatch(/^model: must be one of .*openai\/gpt-image-2\.6-flare/);
  });
});

describe("the JobSpec the new fields make", () => {
  it("carries complexity (its default when not asked) and the gif's frames, its delay rounded to 10 ms", () => {
    const env = { ENVIRONMENT: "test" } as Env;
    const at = (params: object) => nativeToJobRequest(GenerateRequest.parse({ prompt: "p", model: gifModel.id, [gifModel.paramsKey]: params }), env).spec;
    expect(at({})).toMatchObject({ complexity: gifModel.complexity!.default });
    expect(at({}).gif).toBeUndefined();
    expect(at({ complexity: "low", output_format: "gif", width: 960, height: 960 })).toMatchObject({
      complexity: "low",
      outputFormat: "gif",
      gif: { frameCount: gifModel.gif!.frameCount.default, frameDurationMs: gifModel.gif!.frameDurationMs.default },
    });
    expect(at({ output_format: "gif", width: 768, height: 768, frame_count: 4, frame_duration_ms: 125 }).gif).toEqual({ frameCount: 4, frameDurationMs: 130 });
    expect(nativeToJobRequest(GenerateRequest.parse({ prompt: "p", model: xhighNoComplexity.id }), env).spec.complexity).toBeUndefined();
  });
  it("does the same from the OpenAI dialect", () => {
    const body = GenerationRequest.parse({ prompt: "p", model: gifModel.id, output_format: "gif", size: "768x768", frame_count: 3, frame_duration_ms: 44 });
    expect(openaiToJobRequest(body, [], null, {}).spec).toMatchObject({ width: 768, height: 768, outputFormat: "gif", gif: { frameCount: 3, frameDurationMs: 40 }, complexity: "high" });
  });
});
