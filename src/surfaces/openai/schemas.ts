import * as z from "zod";
import {
  CATALOGUE, INPUT_FIDELITIES, MODEL_IDS, MODERATIONS, modelEntries, sizeProblem,
  type Background, type InputFidelity, type ModelEntry, type ModelId, type Moderation, type OutputFormat, type Quality, type Size,
} from "../../catalogue";
import { FILE_FIELD } from "../../docs/registry";
import { closedObject, refuseUnknownKeys } from "../../lib/closed-object";
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

/** OpenAI's `size` in pixels: "auto" (or none) is the model's default preset; anything else follows the catalogue. */
export function resolveSize(entry: ModelEntry, raw: string | null | undefined): Size | string {
  if (raw === null || raw === undefined || raw === "auto") return entry.presets[entry.defaultAspectRatio]!;
  const match = /^(\d{1,5})x(\d{1,5})$/.exec(raw);
  if (!match) return `${raw.slice(0, 32)} is not a size: use WIDTHxHEIGHT (for example 1024x1024) or auto`;
  const size = { width: Number(match[1]), height: Number(match[2]) };
  return sizeProblem(entry, size) ?? size;
}

type Wire = "json" | "form";

const required = (what: string) => ({
  error: (iss: { input?: unknown }) => (iss.input === undefined ? MISSING_PARAMETER : `must be ${what}`),
});

/** Fields of generations and edits alike; a form carries numbers and booleans as text. */
function commonShape(entry: ModelEntry, wire: Wire) {
  const int = (min: number, max: number) => (wire === "json" ? z.number() : z.coerce.number()).int().min(min).max(max).nullish();
  return {
    model: z.literal(entry.id),
    prompt: z
      .string(required("a string"))
      .min(1, "must not be empty")
      .max(entry.maxPromptLength, `is longer than ${entry.maxPromptLength} characters, the most ${entry.id} takes`),
    n: int(1, entry.quantity.native),
    size: z.string().max(64).nullish(),
    quality: z.enum(entry.qualities).nullish(),
    background: z.enum(entry.backgrounds).nullish(),
    output_format: z.enum(entry.outputFormats).nullish(),
    output_compression: int(0, 100),
    moderation: z.enum(MODERATIONS).nullish(),
    user: z.string().max(256).nullish(),
    safety_identifier: z.string().max(256).nullish(),
    stream: (wire === "json" ? z.boolean() : z.stringbool()).nullish(),
    partial_images: int(0, MAX_PARTIAL_IMAGES),
    response_format: z.enum(["b64_json", "url"]).nullish(),
  };
}

/** input_fidelity where the model takes it; elsewhere a message naming the model that does. */
function fidelityShape(entry: ModelEntry) {
  if (entry.references.inputFidelity) return { input_fidelity: z.enum(INPUT_FIDELITIES).nullish() };
  const owners = modelEntries().filter((e) => e.references.inputFidelity).map((e) => e.id);
  return { input_fidelity: z.never({ error: `is not a ${entry.id} parameter: only ${owners.join(", ")} takes it` }).nullish() };
}

interface SizedFields {
  size?: string | null;
  background?: Background | null;
  output_format?: OutputFormat | null;
}

/** Rules across fields: the size, and transparency only with a format that has alpha. */
function crossFieldRules(entry: ModelEntry) {
  return (body: SizedFields, ctx: z.RefinementCtx): void => {
    const size = resolveSize(entry, body.size);
    if (typeof size === "string") ctx.addIssue({ code: "custom", path: ["size"], message: size });
    const format = body.output_format ?? OPENAI_OUTPUT_FORMAT;
    if (body.background === "transparent" && !entry.transparentFormats.includes(format)) {
      ctx.addIssue({ code: "custom", path: ["background"], message: `"transparent" needs output_format ${entry.transparentFormats.join(" or ")}, not ${format}` });
    }
  };
}

const FileField = z.instanceof(File, { error: "must be a file" }).meta({ ...FILE_FIELD });

const ImageUrl = closedObject(
  { image_url: z.string(required("a string")).min(1).max(MAX_IMAGE_URL) },
  (key) => `${key} is not supported here: give image_url`,
);

/** One schema per model, chosen by `model` (the newest when absent); unknown parameters are refused one by one. */
function byModel<T extends z.ZodObject>(option: (entry: ModelEntry) => T) {
  // additionalProperties: the documentation says what the preprocess enforces.
  const options = MODEL_IDS.map((id) => option(CATALOGUE[id]).meta({ additionalProperties: false }));
  const known = new Set(options.flatMap((o) => Object.keys(o.shape)));
  return z.preprocess(
    (value, ctx) => {
      const body = refuseUnknownKeys(value, known, () => UNKNOWN_PARAMETER, ctx);
      if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
      const fields = body as Record<string, unknown>;
      return fields.model === undefined || fields.model === null ? { ...fields, model: DEFAULT_MODEL } : fields;
    },
    z.discriminatedUnion("model", options as [T, ...T[]], {
      error: (iss) => (iss.code === "invalid_union" ? `must be one of ${MODEL_IDS.join(", ")}` : undefined),
    }),
  );
}

export const GenerationRequest = byModel((entry) => z.object(commonShape(entry, "json")).superRefine(crossFieldRules(entry))).meta({
  id: "ImageGenerationRequest",
  examples: [{ model: "gpt-image-2", prompt: "A fox reading a book, watercolour", size: "1536x1024", quality: "low" }],
});

export const EditJsonRequest = byModel((entry) =>
  z.object({
    ...commonShape(entry, "json"),
    ...fidelityShape(entry),
    images: z.array(ImageUrl, required("an array of {image_url}")).min(1, "give at least one image").max(entry.references.native, `takes at most ${entry.references.native} images`),
    mask: ImageUrl.nullish(),
  }).superRefine(crossFieldRules(entry)),
).meta({
  id: "ImageEditJsonRequest",
  examples: [{ model: "gpt-image-2", prompt: "Give the fox a red scarf", images: [{ image_url: "https://example.com/fox.png" }], quality: "low" }],
});

export const EditFormRequest = byModel((entry) =>
  z.object({
    ...commonShape(entry, "form"),
    ...fidelityShape(entry),
    image: z.union([FileField, z.array(FileField)]).optional(),
    "image[]": z.array(FileField).optional(),
    mask: FileField.optional(),
  }).superRefine((body, ctx) => {
    crossFieldRules(entry)(body, ctx);
    const count = [body.image ?? [], body["image[]"] ?? []].flat().length;
    if (count === 0) ctx.addIssue({ code: "custom", path: ["image"], message: MISSING_PARAMETER });
    if (count > entry.references.native) ctx.addIssue({ code: "custom", path: ["image"], message: `takes at most ${entry.references.native} images, not ${count}` });
  }),
).meta({ id: "ImageEditFormRequest" });

/** What every variant yields, as the mapping to a JobSpec reads it. */
export interface ImageRequestFields {
  model: ModelId;
  prompt: string;
  n?: number | null;
  size?: string | null;
  quality?: Quality | null;
  background?: Background | null;
  output_format?: OutputFormat | null;
  output_compression?: number | null;
  moderation?: Moderation | null;
  input_fidelity?: InputFidelity | null;
  stream?: boolean | null;
  partial_images?: number | null;
  response_format?: "b64_json" | "url" | null;
}

export type GenerationRequest = z.output<typeof GenerationRequest>;
export type EditJsonRequest = z.output<typeof EditJsonRequest>;
export type EditFormRequest = z.output<typeof EditFormRequest>;
