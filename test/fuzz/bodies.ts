import fc from "fast-check";
import { MODERATIONS, INPUT_FIDELITIES, STRENGTHS, modelEntries, sizeProblem, type ModelEntry } from "../../src/catalogue";
import { LEONARDO_QUALITIES, INIT_IMAGE_EXTENSIONS } from "../../src/surfaces/leonardo/schemas";
import { DEFAULT_MODEL, OPENAI_OUTPUT_FORMAT } from "../../src/surfaces/openai/schemas";
import { encodePng } from "../../src/lib/png";
import type { Json } from "./arbitraries";

// Valid request bodies for every surface, built from the catalogue (never a restated rule), so that a mutation of one
// field is a near miss. They stay cheap when admitted: one or two images, preset or small custom sizes.

const SMALL = { maxLength: 40 };
export const prompt: fc.Arbitrary<string> = fc.oneof(
  fc.string({ minLength: 1, ...SMALL }).filter((s) => s.length > 0),
  fc.constantFrom("A fox reading a book", "fuzz", "Koala with purple hat"),
).map((p) => `fuzz ${p}`);

const entries = fc.constantFrom(...modelEntries());

/** The API's own words, for mutations that are almost right: names, sizes and limits from the catalogue. */
export const vocabulary: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    ...modelEntries().flatMap((e) => [e.id, e.paramsKey, ...e.qualities, ...e.outputFormats, ...e.backgrounds, ...Object.keys(e.presets)]),
    ...modelEntries().flatMap((e) => Object.values(e.presets).map((p) => `${p.width}x${p.height}`)),
    ...modelEntries().flatMap((e) => [e.quantity.native, e.quantity.native + 1, e.quantity.leonardo + 1, e.references.native + 1, e.maxPromptLength]),
    "sandbox", "leonardo", "apiframe", "openai", "auto", "LOW", "MID", "HIGH", "MEDIUM", "ON", "OFF", "GENERATED", "UPLOADED",
    "b64_json", "url", "low", "high", "png", "jpg", "gif", "svg", "3840x2160", "3824x2144", "0x0", "99999x99999", "1024X1024", 4_294_967_295, 4_294_967_296,
  ),
  // The longest prompts, also in characters of three and four UTF-8 bytes (stored twice: in the spec and the input).
  fc.constantFrom("p", "字", "😀").chain((ch) => fc.constantFrom(32000, 32001).map((n) => ch.repeat(Math.ceil(n / ch.length)))),
  fc.integer({ min: 1, max: 4000 }).map((n) => n * 16),
);

/** The model's sizes: its presets, and for models with custom sizes a few within the rules. */
function sizeOf(entry: ModelEntry): fc.Arbitrary<{ width: number; height: number }> {
  const presets = fc.constantFrom(...Object.values(entry.presets));
  if (!entry.customSize) return presets;
  const side = fc.integer({ min: 40, max: 100 }).map((n) => n * entry.customSize!.multipleOf);
  const custom = fc.record({ width: side, height: side }).filter((s) => sizeProblem(entry, s) === null);
  return fc.oneof(presets, custom);
}

/** background "transparent" only with a format that has alpha (the catalogue's rule). */
const backgroundAndFormat = (entry: ModelEntry, defaultFormat: string) =>
  fc
    .record({ background: fc.option(fc.constantFrom(...entry.backgrounds), { nil: undefined }), format: fc.option(fc.constantFrom(...entry.outputFormats), { nil: undefined }) })
    .filter(({ background, format }) => background !== "transparent" || (entry.transparentFormats as readonly string[]).includes(format ?? defaultFormat));

/** A gif frame whose sheet fits every model's limits for up to 9 frames (and a valid size on its own). */
const GIF_SIDE = 832;

/** The gif fields of a model that makes gifs: frames within its bounds (at most 9, so the sheet fits GIF_SIDE). */
const gifFields = (entry: ModelEntry) =>
  entry.gif
    ? fc.record({
        frame_count: opt(fc.integer({ min: entry.gif.frameCount.min, max: Math.min(9, entry.gif.frameCount.max) })),
        frame_duration_ms: opt(fc.integer({ min: entry.gif.frameDurationMs.min, max: 2000 })),
      })
    : fc.constant({});

const complexityOf = (entry: ModelEntry) => (entry.complexity ? opt(fc.constantFrom(...entry.complexity.values)) : fc.constant(undefined));

const drop = <T extends Record<string, unknown>>(o: T): Json =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Json;

const opt = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** References a valid body may name: the caller's own uploads and generated images, and https URLs. */
export interface References {
  uploads: string[];
  generated: string[];
}

const referenceUrls = ["https://example.com/reference.png", "https://images.example.org/a/b.webp?x=1"];

function nativeParams(entry: ModelEntry, refs: References): fc.Arbitrary<Json> {
  // The native dialect names uploads by id and anything else by URL (generated images are Leonardo's GENERATED).
  const names = [...refs.uploads, ...referenceUrls];
  return fc
    .record({
      input_images: opt(fc.subarray(names, { minLength: 1, maxLength: Math.min(names.length, entry.references.native) })),
      quality: opt(fc.constantFrom(...entry.qualities)),
      size: opt(fc.oneof(fc.constantFrom(...Object.keys(entry.presets)), sizeOf(entry))),
      bf: backgroundAndFormat(entry, entry.defaultOutputFormat),
      number_of_images: opt(fc.integer({ min: 1, max: 2 })),
      seed: opt(fc.integer({ min: 0, max: 4_294_967_295 })),
      prompt_enhance: opt(fc.boolean()),
      moderation: opt(fc.constantFrom(...MODERATIONS)),
      input_fidelity: entry.references.inputFidelity ? opt(fc.constantFrom(...INPUT_FIDELITIES)) : fc.constant(undefined),
      reference_strength: entry.references.strength ? opt(fc.constantFrom(...STRENGTHS)) : fc.constant(undefined),
      complexity: complexityOf(entry),
      gif: gifFields(entry),
    })
    .map(({ size, bf, gif, ...rest }) => {
      // The catalogue's format rules (SPEC §3.3): a gif brings its frames and a frame size whose sheet fits; an svg
      // is one image and takes no references.
      const sized = bf.format === "gif" ? { width: GIF_SIDE, height: GIF_SIDE, ...gif } : typeof size === "string" ? { aspect_ratio: size } : size ?? {};
      const svg = bf.format === "svg" ? { number_of_images: undefined, input_images: undefined } : {};
      return drop({ ...rest, ...sized, ...svg, background: bf.background, output_format: bf.format });
    });
}

/** POST /v2/images/generate, naming the caller's own references when it names any. */
export const nativeBody = (refs: References): fc.Arbitrary<Json> => entries.chain((entry) =>
  fc
    .record({
      prompt,
      params: opt(nativeParams(entry, refs)),
      webhookUrl: opt(fc.constantFrom("https://example.com/hook", "https://hooks.example.org/imagegate?token=x")),
      webhookEvents: opt(fc.subarray(["progress", "completed", "failed", "cancelled"], { minLength: 1 })),
      provider: opt(fc.constantFrom<Json>("auto", "sandbox", ["sandbox"])),
      public: opt(fc.boolean()),
      metadata: opt(fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.string({ maxLength: 16 }), { maxKeys: 4 })),
    })
    .map(({ params, ...rest }) => drop({ ...rest, model: entry.id, [entry.paramsKey]: params })),
);

/** Leonardo's image_reference guidance: the caller's uploads (UPLOADED) and generated images (GENERATED). */
function guidances(entry: ModelEntry, refs: References): fc.Arbitrary<Json | undefined> {
  const images = [...refs.uploads.map((id) => ({ id, type: "UPLOADED" })), ...refs.generated.map((id) => ({ id, type: "GENERATED" }))];
  if (images.length === 0) return fc.constant(undefined);
  // One strength for all references (a JobSpec has one), and only where the model takes it.
  const strength = entry.references.strength ? opt(fc.constantFrom(...STRENGTHS)) : fc.constant(undefined);
  return opt(
    fc
      .tuple(fc.subarray(images, { minLength: 1, maxLength: Math.min(images.length, entry.references.leonardo) }), strength)
      .map(([chosen, s]) => ({ image_reference: chosen.map((image) => drop({ image, strength: s })) })),
  );
}

/** POST /api/rest/v2/generations (seeds 000 and 001). */
export const leonardoBody = (refs: References): fc.Arbitrary<Json> => entries.chain((entry) => {
  const qualities = (Object.keys(LEONARDO_QUALITIES) as (keyof typeof LEONARDO_QUALITIES)[]).filter((q) => entry.qualities.includes(LEONARDO_QUALITIES[q]));
  return fc
    .record({
      guidances: guidances(entry, refs),
      public: opt(fc.boolean()),
      prompt,
      quality: opt(fc.constantFrom(...qualities)),
      quantity: opt(fc.integer({ min: 1, max: 2 })),
      size: opt(sizeOf(entry)),
      seed: entry.leonardoSeed ? opt(fc.integer({ min: 0, max: 4_294_967_295 })) : fc.constant(undefined),
      prompt_enhance: opt(fc.constantFrom("ON", "OFF")),
      complexity: entry.complexity ? opt(fc.constantFrom(...entry.complexity.values.map((c) => c.toUpperCase()))) : fc.constant(undefined),
      // Leonardo's own id (openai/… for 2.5 and 2.6) or the bare one: the dialect takes both.
      model: fc.constantFrom(...new Set([entry.leonardoId, entry.id])),
    })
    .map(({ public: isPublic, size: s, model, ...parameters }) => drop({ public: isPublic, model, parameters: drop({ ...parameters, ...(s ?? {}) }) }));
});

export const initImageBody: fc.Arbitrary<Json> = fc.record({ extension: fc.constantFrom(...INIT_IMAGE_EXTENSIONS) });

/**
 * Fields OpenAI's generations and edits share, for one model (absent `model` means the newest one), within the
 * catalogue's format rules: a gif has a frame size whose sheet fits, no stream, partials or compression; an svg is
 * one image, and only generated (an edit never asks for one).
 */
function openaiFields(entry: ModelEntry, edit = false): fc.Arbitrary<Record<string, Json | undefined>> {
  const sizes = fc.oneof(fc.constant("auto"), sizeOf(entry).map((s) => `${s.width}x${s.height}`));
  return fc.record({
    model: entry.id === DEFAULT_MODEL ? opt(fc.constantFrom<Json>(entry.id, null)) : fc.constant(entry.id),
    prompt,
    n: opt(fc.integer({ min: 1, max: 2 })),
    size: opt(sizes),
    quality: opt(fc.constantFrom(...entry.qualities)),
    bf: backgroundAndFormat(entry, OPENAI_OUTPUT_FORMAT),
    output_compression: opt(fc.integer({ min: 0, max: 100 })),
    moderation: opt(fc.constantFrom(...MODERATIONS)),
    user: opt(fc.string({ maxLength: 20 })),
    stream: opt(fc.boolean()),
    partial_images: opt(fc.integer({ min: 0, max: 3 })),
    response_format: opt(fc.constantFrom("b64_json", "url")),
    complexity: complexityOf(entry),
    gif: gifFields(entry),
  }).map(({ bf, gif, ...rest }) => {
    const format = edit && bf.format === "svg" ? "png" : bf.format;
    const background = format === bf.format ? bf.background : undefined;
    const rules =
      format === "gif"
        ? { ...gif, size: `${GIF_SIDE}x${GIF_SIDE}`, stream: undefined, partial_images: undefined, output_compression: undefined }
        : format === "svg"
          ? { n: undefined }
          : {};
    return { ...rest, ...rules, background, output_format: format };
  });
}

/** POST /v1/images/generations. */
export const openaiGenerationBody: fc.Arbitrary<Json> = entries.chain((entry) => openaiFields(entry).map(drop));

/** A tiny real PNG, as the edits' images and masks. */
export const TINY_PNG: Uint8Array = new Uint8Array(
  await new Response(encodePng(8, 8, { alpha: true }, (y, row) => row.fill(y * 30))).arrayBuffer(),
);
const b64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
export const TINY_PNG_DATA_URL = `data:image/png;base64,${b64(TINY_PNG)}`;

const imageUrl = fc.constantFrom(TINY_PNG_DATA_URL, "https://example.com/reference.png");

/** POST /v1/images/edits as JSON: images by URL (https or data:). */
export const openaiEditJsonBody: fc.Arbitrary<Json> = entries.chain((entry) =>
  fc
    .record({
      fields: openaiFields(entry, true),
      images: fc.array(imageUrl.map((image_url) => ({ image_url })), { minLength: 1, maxLength: 2 }),
      mask: opt(fc.constant({ image_url: TINY_PNG_DATA_URL })),
      input_fidelity: entry.references.inputFidelity ? opt(fc.constantFrom(...INPUT_FIDELITIES)) : fc.constant(undefined),
    })
    // A gif takes no mask (SPEC §3.3).
    .map(({ fields, ...rest }) => drop({ ...fields, ...rest, ...(fields.output_format === "gif" ? { mask: undefined } : {}) })),
);

/** POST /v1/images/edits as a form: text fields (every value as text) and the image files. */
export const openaiEditFormFields: fc.Arbitrary<Record<string, string>> = entries.chain((entry) =>
  fc
    .record({
      fields: openaiFields(entry, true),
      input_fidelity: entry.references.inputFidelity ? opt(fc.constantFrom(...INPUT_FIDELITIES)) : fc.constant(undefined),
    })
    .map(({ fields, input_fidelity }) =>
      Object.fromEntries(
        Object.entries({ ...fields, input_fidelity }).filter(([, v]) => v !== undefined && v !== null).map(([k, v]) => [k, String(v)]),
      ),
    ),
);

/** POST /admin/keys. */
export const newKeyBody = (accountIds: readonly string[]): fc.Arbitrary<Json> =>
  fc
    .record({
      name: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim().length > 0),
      accountId: opt(fc.constantFrom(...accountIds)),
      rateLimit: opt(fc.record({ requestsPerMinute: fc.integer({ min: 1, max: 100_000 }) })),
    })
    .map(drop);

/** POST /admin/accounts/:id/credits. */
export const creditsBody: fc.Arbitrary<Json> = fc.record({
  amount: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: -1000, max: -1 }), fc.constantFrom(1_000_000_000, -1_000_000_000)),
});

