import * as z from "../../lib/zod";
import {
  INPUT_FIDELITIES, MODERATIONS, idsOf, largestGifFrame, modelEntries, outputProblems, sizeProblem,
  type AskNames, type Background, type Complexity, type InputFidelity, type ModelEntry, type ModelId, type Moderation,
  type OutputFormat, type Quality, type Size,
} from "../../catalogue";
import { FILE_FIELD } from "../../docs/registry";
import { closedObject, refuseUnknownKeys } from "../../lib/closed-object";
import { OPENAI_ASK_NAMES, modelChoice, notForModel } from "../model-rules";
import { MISSING_PARAMETER, UNKNOWN_PARAMETER } from "./errors";

// OpenAI's Images API bodies (PROVIDERS.md, the openai SDK's types), with every model rule read from the catalogue.
// Generations are JSON; edits are multipart (files) or JSON (image URLs). Unknown parameters are refused, as OpenAI does.

/** OpenAI's documented default for GPT image models; the catalogue's default belongs to the native dialect. */
export const OPENAI_OUTPUT_FORMAT: OutputFormat = "png";
const MAX_PARTIAL_IMAGES = 3;
/** A data: URL of an image up to the upload cap, in base64, with room for its prefix. */
const MAX_IMAGE_URL = Math.ceil((25 * 1024 * 1024) / 3) * 4 + 64;

/** Without a model, a request gets the newest one. */
export const DEFAULT_MODEL: ModelId = modelEntries().reduce((a, b) => (b.releasedOn > a.releasedOn ? b : a)).id;

/**
 * OpenAI's `size` in pixels: "auto" (or none) is the model's default preset, or for a gif the largest square frame its
 * sheet allows; anything else follows the catalogue, a gif's frames (`gifFrames`) checked as the sheet they make.
 */
export function resolveSize(entry: ModelEntry, raw: string | null | undefined, gifFrames?: number): Size | string {
  if (raw === null || raw === undefined || raw === "auto") {
    return (gifFrames !== undefined ? largestGifFrame(entry, gifFrames) : null) ?? entry.presets[entry.defaultAspectRatio]!;
  }
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(raw);
  if (!match) return `${raw.slice(0, 32)} is not a size: use WIDTHxHEIGHT (for example 1024x1024) or auto`;
  const size = { width: Number(match[1]), height: Number(match[2]) };
  return sizeProblem(entry, size, gifFrames) ?? size;
}

/** The frames a request's gif has (undefined when it asks for no gif). */
export const gifFramesOf = (entry: ModelEntry, body: { output_format?: OutputFormat | null; frame_count?: number | null }): number | undefined =>
  body.output_format === "gif" && entry.gif ? (body.frame_count ?? entry.gif.frameCount.default) : undefined;

type Wire = "json" | "form";

const required = (what: string) => ({
  error: (iss: { input?: unknown }) => (iss.input === undefined ? MISSING_PARAMETER : `must be ${what}`),
});

/** Fields of generations and edits alike; a form carries numbers and booleans as text. */
function commonShape(entry: ModelEntry, wire: Wire) {
  const int = (min: number, max: number) => z.nullish((wire === "json" ? z.number() : z.coercedNumber()).check(z.int(), z.gte(min), z.lte(max)));
  const takes = (field: "qualities" | "outputFormats") => (other: ModelEntry, value: string) => (other[field] as readonly string[]).includes(value);
  return {
    model: z.literal(idsOf(entry)),
    prompt: z
      .string(required("a string"))
      .check(
        z.minLength(1, "must not be empty"),
        z.maxLength(entry.maxPromptLength, `is longer than ${entry.maxPromptLength} characters, the most ${entry.id} takes`),
      ),
    n: int(1, entry.quantity.native),
    size: z.nullish(z.string().check(z.maxLength(64))),
    quality: z.nullish(modelChoice(entry, "quality", entry.qualities, takes("qualities"))),
    background: z.nullish(z.enum(entry.backgrounds)),
    output_format: z.nullish(modelChoice(entry, "output_format", entry.outputFormats, takes("outputFormats"))),
    complexity: entry.complexity
      ? z.nullish(z.enum(entry.complexity.values as [Complexity, ...Complexity[]]))
      : z.nullish(notForModel(entry, "complexity", (o) => o.complexity !== null)),
    frame_count: entry.gif ? int(entry.gif.frameCount.min, entry.gif.frameCount.max) : z.nullish(notForModel(entry, "frame_count", (o) => o.gif !== null)),
    frame_duration_ms: entry.gif
      ? int(entry.gif.frameDurationMs.min, entry.gif.frameDurationMs.max)
      : z.nullish(notForModel(entry, "frame_duration_ms", (o) => o.gif !== null)),
    output_compression: int(0, 100),
    moderation: z.nullish(z.enum(MODERATIONS)),
    user: z.nullish(z.string().check(z.maxLength(256))),
    safety_identifier: z.nullish(z.string().check(z.maxLength(256))),
    stream: z.nullish(wire === "json" ? z.boolean() : z.stringbool()),
    partial_images: int(0, MAX_PARTIAL_IMAGES),
    response_format: z.nullish(z.enum(["b64_json", "url"])),
  };
}

/** input_fidelity where the model takes it; elsewhere a message naming the model that does. */
function fidelityShape(entry: ModelEntry) {
  if (entry.references.inputFidelity) return { input_fidelity: z.nullish(z.enum(INPUT_FIDELITIES)) };
  const owners = modelEntries().filter((e) => e.references.inputFidelity).map((e) => e.id);
  return { input_fidelity: z.nullish(z.never({ error: `is not a ${entry.id} parameter: only ${owners.join(", ")} takes it` })) };
}

interface CrossFields {
  size?: string | null;
  n?: number | null;
  background?: Background | null;
  output_format?: OutputFormat | null;
  output_compression?: number | null;
  frame_count?: number | null;
  frame_duration_ms?: number | null;
  stream?: boolean | null;
  partial_images?: number | null;
}

/** OpenAI's names for the fields the catalogue's output rules read (`references` is the edit's images field). */
const openaiNames = (references: string): AskNames => ({ ...OPENAI_ASK_NAMES, references });

/** Rules across fields: the size (a gif's as its sheet), and the catalogue's rules of formats and transparency. */
function crossFieldRules(entry: ModelEntry, edit: { references: string; count: (body: object) => number; mask: (body: object) => boolean } | null) {
  const names = openaiNames(edit?.references ?? "image");
  return (body: CrossFields, ctx: z.core.$RefinementCtx): void => {
    const size = resolveSize(entry, body.size, gifFramesOf(entry, body));
    if (typeof size === "string") ctx.addIssue({ code: "custom", path: ["size"], message: size });
    const ask = {
      format: body.output_format ?? OPENAI_OUTPUT_FORMAT,
      background: body.background ?? "auto",
      quantity: body.n ?? 1,
      references: edit?.count(body) ?? 0,
      ...(typeof body.frame_count === "number" ? { frameCount: body.frame_count } : {}),
      ...(typeof body.frame_duration_ms === "number" ? { frameDurationMs: body.frame_duration_ms } : {}),
      stream: body.stream ?? false,
      partialImages: body.partial_images ?? 0,
      mask: edit?.mask(body) ?? false,
      compression: typeof body.output_compression === "number",
    };
    for (const problem of outputProblems(entry, ask, names)) ctx.addIssue({ code: "custom", path: [names[problem.field]], message: problem.message });
  };
}

const FileField = z.withMeta(z.instanceof(File, { error: "must be a file" }), { ...FILE_FIELD });

const ImageUrl = closedObject(
  { image_url: z.string(required("a string")).check(z.minLength(1), z.maxLength(MAX_IMAGE_URL)) },
  (key) => `${key} is not supported here: give image_url`,
);

/** One schema per model, chosen by `model` (the newest when absent); unknown parameters are refused one by one. */
function byModel<T extends z.ZodMiniObject>(option: (entry: ModelEntry) => T) {
  // additionalProperties: the documentation says what the preprocess enforces.
  const options = modelEntries().map((entry) => z.withMeta(option(entry), { additionalProperties: false }));
  const known = new Set(options.flatMap((o) => Object.keys(o.shape)));
  return z.preprocess(
    (value, ctx) => {
      const body = refuseUnknownKeys(value, known, () => UNKNOWN_PARAMETER, ctx);
      if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
      const fields = body as Record<string, unknown>;
      return fields.model === undefined || fields.model === null ? { ...fields, model: DEFAULT_MODEL } : fields;
    },
    z.discriminatedUnion("model", options as [T, ...T[]], {
      error: (iss) => (iss.code === "invalid_union" ? `must be one of ${modelEntries().flatMap(idsOf).join(", ")}` : undefined),
    }),
  );
}

export const GenerationRequest = z.withMeta(
  byModel((entry) => z.object(commonShape(entry, "json")).check(z.superRefine(crossFieldRules(entry, null)))),
  {
    id: "ImageGenerationRequest",
    examples: [{ model: "gpt-image-2", prompt: "A fox reading a book, watercolour", size: "1536x1024", quality: "low" }],
  },
);

export const EditJsonRequest = z.withMeta(
  byModel((entry) =>
    z
      .object({
        ...commonShape(entry, "json"),
        ...fidelityShape(entry),
        images: z
          .array(ImageUrl, required("an array of {image_url}"))
          .check(z.minLength(1, "give at least one image"), z.maxLength(entry.references.native, `takes at most ${entry.references.native} images`)),
        mask: z.nullish(ImageUrl),
      })
      .check(
        z.superRefine(
          crossFieldRules(entry, {
            references: "images",
            count: (body) => ("images" in body && Array.isArray(body.images) ? body.images.length : 0),
            mask: (body) => "mask" in body && body.mask != null,
          }),
        ),
      ),
  ),
  {
    id: "ImageEditJsonRequest",
    examples: [{ model: "gpt-image-2", prompt: "Give the fox a red scarf", images: [{ image_url: "https://example.com/fox.png" }], quality: "low" }],
  },
);

export const EditFormRequest = z.withMeta(
  byModel((entry) =>
    z
      .object({
        ...commonShape(entry, "form"),
        ...fidelityShape(entry),
        image: z.optional(z.union([FileField, z.array(FileField)])),
        "image[]": z.optional(z.array(FileField)),
        mask: z.optional(FileField),
      })
      .check(
        z.superRefine((body, ctx) => {
          const count = [body.image ?? [], body["image[]"] ?? []].flat().length;
          crossFieldRules(entry, { references: "image", count: () => count, mask: () => body.mask !== undefined })(body, ctx);
          if (count === 0) ctx.addIssue({ code: "custom", path: ["image"], message: MISSING_PARAMETER });
          if (count > entry.references.native) ctx.addIssue({ code: "custom", path: ["image"], message: `takes at most ${entry.references.native} images, not ${count}` });
        }),
      ),
  ),
  { id: "ImageEditFormRequest" },
);

/** What every variant yields, as the mapping to a JobSpec reads it. */
export interface ImageRequestFields {
  /** The model's id or one of its aliases. */
  model: string;
  prompt: string;
  n?: number | null;
  size?: string | null;
  quality?: Quality | null;
  background?: Background | null;
  output_format?: OutputFormat | null;
  output_compression?: number | null;
  moderation?: Moderation | null;
  input_fidelity?: InputFidelity | null;
  complexity?: Complexity | null;
  frame_count?: number | null;
  frame_duration_ms?: number | null;
  stream?: boolean | null;
  partial_images?: number | null;
  response_format?: "b64_json" | "url" | null;
}

export type GenerationRequest = z.output<typeof GenerationRequest>;
export type EditJsonRequest = z.output<typeof EditJsonRequest>;
export type EditFormRequest = z.output<typeof EditFormRequest>;
