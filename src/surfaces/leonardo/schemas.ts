import * as z from "../../lib/zod";
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

/** A number, refused as "must be a whole number" unless it is one. */
const wholeNumber = () => z.number({ error: "must be a whole number" }).check(z.int("must be a whole number"));

const required = (what: string) => ({ error: (iss: { input?: unknown }) => (iss.input === undefined ? "is required" : `must be ${what}`) });

function referenceSchema(entry: ModelEntry) {
  return closedObject(
    {
      image: closedObject(
        { id: z.string(required("a string")).check(z.minLength(1), z.maxLength(128)), type: z.enum(["GENERATED", "UPLOADED"], { error: "must be GENERATED or UPLOADED" }) },
        (key) => `${key} is not a field of an image: give id and type`,
      ),
      strength: entry.references.strength
        ? z.optional(z.enum(STRENGTHS, { error: `must be ${STRENGTHS.join(", ")}` }))
        : z.optional(z.never({ error: `is not used by ${entry.id}: its image references take no strength` })),
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
      .check(
        z.minLength(1, "must not be empty"),
        z.maxLength(entry.maxPromptLength, `is longer than ${entry.maxPromptLength} characters, the most ${entry.id} takes`),
      ),
    quality: z.optional(z.enum(qualities as [LeonardoQuality, ...LeonardoQuality[]], { error: `must be ${qualities.join(", ")}` })),
    quantity: z.optional(
      wholeNumber().check(
        z.gte(1, "must be at least 1"),
        z.lte(maxImages, { error: (iss) => `${String(iss.input)} is too many: ${entry.id} makes 1 to ${maxImages} images per request` }),
      ),
    ),
    width: z.optional(wholeNumber().check(z.positive("must be positive"))),
    height: z.optional(wholeNumber().check(z.positive("must be positive"))),
    seed: entry.leonardoSeed
      ? z.optional(wholeNumber().check(z.gte(0, `must be 0 to ${MAX_SEED}`), z.lte(MAX_SEED, `must be 0 to ${MAX_SEED}`)))
      : z.optional(z.never({ error: `is not a ${entry.id} parameter: only ${modelEntries().filter((e) => e.leonardoSeed).map((e) => e.id).join(", ")} takes it` })),
    prompt_enhance: z.optional(z.enum(["ON", "OFF"], { error: "must be ON or OFF" })),
    complexity: entry.complexity
      ? z.optional(z.enum(complexitiesOf(entry), { error: `must be ${complexitiesOf(entry).join(", ")}` }))
      : z.optional(notForModel(entry, "complexity", (o) => o.complexity !== null)),
    guidances: z.optional(
      closedObject(
        {
          image_reference: z.optional(
            z
              .array(referenceSchema(entry), { error: "must be an array" })
              .check(z.maxLength(maxRefs, { error: (iss) => `has ${Array.isArray(iss.input) ? iss.input.length : "too many"} references: ${entry.id} takes at most ${maxRefs}` })),
          ),
        },
        (key) => `${key} is not a guidance this surface takes: use image_reference`,
      ),
    ),
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
  const parameters = closedObject(parametersShape(entry), (key) => unknownParameter(entry, key));
  return parameters.check(z.superRefine((p: SizedParameters, ctx) => {
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
  }));
}

const modelBody = (entry: ModelEntry) =>
  z.withMeta(
    z.object({
      public: z.optional(z.boolean({ error: "must be true or false" })),
      model: z.literal(leonardoIdsOf(entry)),
      parameters: parametersSchema(entry),
    }),
    { additionalProperties: false },
  );

const [first, ...rest] = modelEntries().map(modelBody);
const TOP_LEVEL = new Set(["public", "model", "parameters"]);

export const LeonardoGenerationRequest = z.withMeta(
  z.preprocess(
    (value, ctx) => refuseUnknownKeys(value, TOP_LEVEL, (key) => `${key} is not a field of this request`, ctx),
    z.discriminatedUnion("model", [first!, ...rest], {
      error: (iss) => (iss.code === "invalid_union" ? `must be one of ${modelEntries().flatMap(leonardoIdsOf).join(", ")}` : undefined),
    }),
  ),
  {
    id: "LeonardoGenerationRequest",
    examples: [{ model: "gpt-image-2", parameters: { prompt: "A fox reading a book", quality: "LOW", quantity: 1, width: 1024, height: 1024 } }],
  },
);
export type LeonardoGenerationRequest = z.output<typeof LeonardoGenerationRequest>;

export const InitImageRequest = z.withMeta(
  closedObject(
    { extension: z.enum(INIT_IMAGE_EXTENSIONS, { error: `must be ${INIT_IMAGE_EXTENSIONS.join(", ")}` }) },
    (key) => `${key} is not a field of this request`,
  ),
  { id: "LeonardoInitImageRequest", examples: [{ extension: "png" }] },
);

/** The two-step upload's form: the fields init-image handed out, and the file. */
export const UploadForm = z.withMeta(
  z.object({
    key: z.string(required("the key field from init-image")),
    "Content-Type": z.string(required("the Content-Type field from init-image")),
    policy: z.string(required("the policy field from init-image")).check(z.maxLength(4096)),
    "x-imagegate-signature": z.string(required("the signature field from init-image")).check(z.maxLength(128)),
    file: z.withMeta(z.instanceof(File, { error: (iss) => (iss.input === undefined ? "is required, as the last part of the form" : "must be a file") }), {
      ...FILE_FIELD,
      description: "The image, as the form's last part; its bytes must be of the type init-image was asked for.",
    }),
  }),
  { id: "LeonardoUploadForm", description: "The fields init-image handed out, unchanged, then the file." },
);
