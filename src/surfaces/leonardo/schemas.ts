import * as z from "zod";
import { STRENGTHS, leonardoIdsOf, modelEntries, sizeProblem, type Complexity, type ModelEntry, type Quality } from "../../catalogue";
import { FILE_FIELD } from "../../docs/registry";
import { closedObject, refuseUnknownKeys } from "../../lib/closed-object";
import { notForModel } from "../model-rules";

// Leonardo's dialect, to the letter of seeds 000 (gpt-image-1.5) and 001 (gpt-image-2) and Leonardo's 2.5/2.6 guides
// (`openai/…` ids, complexity in capitals on 2.6); every limit is the catalogue's.

/** The dialect's names for the catalogue's qualities (SPEC §3.1); `auto` has none. */
export const LEONARDO_QUALITIES = { LOW: "low", MEDIUM: "medium", HIGH: "high" } as const satisfies Record<string, Quality>;
export type LeonardoQuality = keyof typeof LEONARDO_QUALITIES;
/** Seed 000: from this day `mode` is a validation error; `quality` replaced it. */
const MODE_RETIRED_ON = "2026-05-04";
const MAX_SEED = 4_294_967_295;
export const INIT_IMAGE_EXTENSIONS = ["png", "jpg", "jpeg", "webp"] as const;

const qualitiesOf = (entry: ModelEntry) =>
  (Object.keys(LEONARDO_QUALITIES) as LeonardoQuality[]).filter((q) => entry.qualities.includes(LEONARDO_QUALITIES[q]));

/** The dialect spells complexity in capitals, as Leonardo does (LOW|MEDIUM|HIGH). */
const complexitiesOf = (entry: ModelEntry) =>
  (entry.complexity?.values ?? []).map((c) => c.toUpperCase() as Uppercase<Complexity>) as [Uppercase<Complexity>, ...Uppercase<Complexity>[]];

const required = (what: string) => ({ error: (iss: { input?: unknown }) => (iss.input === undefined ? "is required" : `must be ${what}`) });

function referenceSchema(entry: ModelEntry) {
  return closedObject(
    {
      image: closedObject(
        { id: z.string(required("a string")).min(1).max(128), type: z.enum(["GENERATED", "UPLOADED"], { error: "must be GENERATED or UPLOADED" }) },
        (key) => `${key} is not a field of an image: give id and type`,
      ),
      strength: entry.references.strength
        ? z.enum(STRENGTHS, { error: `must be ${STRENGTHS.join(", ")}` }).optional()
        : z.never({ error: `is not used by ${entry.id}: its image references take no strength` }).optional(),
    },
    (key) => `${key} is not a field of an image reference`,
  );
}

function parametersShape(entry: ModelEntry) {
  const qualities = qualitiesOf(entry);
  const maxImages = entry.quantity.leonardo;
  const maxRefs = entry.references.leonardo;
  return {
    prompt: z
      .string(required("a string"))
      .min(1, "must not be empty")
      .max(entry.maxPromptLength, `is longer than ${entry.maxPromptLength} characters, the most ${entry.id} takes`),
    quality: z.enum(qualities as [LeonardoQuality, ...LeonardoQuality[]], { error: `must be ${qualities.join(", ")}` }).optional(),
    quantity: z
      .number({ error: "must be a whole number" })
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(maxImages, { error: (iss) => `${String(iss.input)} is too many: ${entry.id} makes 1 to ${maxImages} images per request` })
      .optional(),
    width: z.number({ error: "must be a whole number" }).int("must be a whole number").positive("must be positive").optional(),
    height: z.number({ error: "must be a whole number" }).int("must be a whole number").positive("must be positive").optional(),
    seed: entry.leonardoSeed
      ? z.number({ error: "must be a whole number" }).int("must be a whole number").min(0, `must be 0 to ${MAX_SEED}`).max(MAX_SEED, `must be 0 to ${MAX_SEED}`).optional()
      : z.never({ error: `is not a ${entry.id} parameter: only ${modelEntries().filter((e) => e.leonardoSeed).map((e) => e.id).join(", ")} takes it` }).optional(),
    prompt_enhance: z.enum(["ON", "OFF"], { error: "must be ON or OFF" }).optional(),
    complexity: entry.complexity
      ? z.enum(complexitiesOf(entry), { error: `must be ${complexitiesOf(entry).join(", ")}` }).optional()
      : notForModel(entry, "complexity", (o) => o.complexity !== null).optional(),
    guidances: closedObject(
      {
        image_reference: z
          .array(referenceSchema(entry), { error: "must be an array" })
          .max(maxRefs, { error: (iss) => `has ${Array.isArray(iss.input) ? iss.input.length : "too many"} references: ${entry.id} takes at most ${maxRefs}` })
          .optional(),
      },
      (key) => `${key} is not a guidance this surface takes: use image_reference`,
    ).optional(),
  };
}

function unknownParameter(entry: ModelEntry, key: string): string {
  if (key === "mode") return `mode was retired on ${MODE_RETIRED_ON}: use quality (${qualitiesOf(entry).join(", ")}) instead`;
  return `${key} is not a parameter`;
}

interface SizedParameters {
  width?: number;
  height?: number;
  guidances?: { image_reference?: Array<{ strength?: string }> };
}

function parametersSchema(entry: ModelEntry) {
  return closedObject(parametersShape(entry), (key) => unknownParameter(entry, key)).superRefine((p: SizedParameters, ctx) => {
    if ((p.width === undefined) !== (p.height === undefined)) {
      ctx.addIssue({ code: "custom", path: [p.width === undefined ? "width" : "height"], message: "give both width and height, or neither" });
    } else if (p.width !== undefined && p.height !== undefined) {
      const problem = sizeProblem(entry, { width: p.width, height: p.height });
      if (problem) ctx.addIssue({ code: "custom", path: ["width"], message: problem });
    }
    // A JobSpec carries one strength for all references.
    const strengths = new Set((p.guidances?.image_reference ?? []).flatMap((r) => (r.strength ? [r.strength] : [])));
    if (strengths.size > 1) {
      ctx.addIssue({ code: "custom", path: ["guidances", "image_reference"], message: `give every reference the same strength (got ${[...strengths].join(", ")})` });
    }
  });
}

const modelBody = (entry: ModelEntry) =>
  z
    .object({
      public: z.boolean({ error: "must be true or false" }).optional(),
      model: z.literal(leonardoIdsOf(entry)),
      parameters: parametersSchema(entry),
    })
    .meta({ additionalProperties: false });

const [first, ...rest] = modelEntries().map(modelBody);
const TOP_LEVEL = new Set(["public", "model", "parameters"]);

export const LeonardoGenerationRequest = z.preprocess(
  (value, ctx) => refuseUnknownKeys(value, TOP_LEVEL, (key) => `${key} is not a field of this request`, ctx),
  z.discriminatedUnion("model", [first!, ...rest], {
    error: (iss) => (iss.code === "invalid_union" ? `must be one of ${modelEntries().flatMap(leonardoIdsOf).join(", ")}` : undefined),
  }),
).meta({
  id: "LeonardoGenerationRequest",
  examples: [{ model: "gpt-image-2", parameters: { prompt: "A fox reading a book", quality: "LOW", quantity: 1, width: 1024, height: 1024 } }],
});
export type LeonardoGenerationRequest = z.output<typeof LeonardoGenerationRequest>;

export const InitImageRequest = closedObject(
  { extension: z.enum(INIT_IMAGE_EXTENSIONS, { error: `must be ${INIT_IMAGE_EXTENSIONS.join(", ")}` }) },
  (key) => `${key} is not a field of this request`,
).meta({ id: "LeonardoInitImageRequest", examples: [{ extension: "png" }] });

/** The two-step upload's form: the fields init-image handed out, and the file. */
export const UploadForm = z.object({
  key: z.string(required("the key field from init-image")),
  "Content-Type": z.string(required("the Content-Type field from init-image")),
  policy: z.string(required("the policy field from init-image")).max(4096),
  "x-imagegate-signature": z.string(required("the signature field from init-image")).max(128),
  file: z
    .instanceof(File, { error: (iss) => (iss.input === undefined ? "is required, as the last part of the form" : "must be a file") })
    .meta({ ...FILE_FIELD, description: "The image, as the form's last part; its bytes must be of the type init-image was asked for." }),
}).meta({ id: "LeonardoUploadForm", description: "The fields init-image handed out, unchanged, then the file." });
