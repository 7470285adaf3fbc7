import * as z from "zod";

// The schemas of GET /v2/models's answer: documentation only (the OpenAPI build and the tests import them), and the
// types models.ts builds its answer with.

const Size = z.object({ width: z.number(), height: z.number() });
const IntRange = z.object({ min: z.number(), max: z.number(), default: z.number() });
const DateSource = z.enum(["catalogue", "openai"]);

export const ModelView = z
  .object({
    id: z.string(),
    aliases: z.array(z.string()).meta({ description: "Other ids that name this model (OpenAI's dated snapshots)." }),
    leonardoId: z.string().meta({ description: "Its id in the Leonardo dialect." }),
    name: z.string(),
    description: z.string(),
    status: z.enum(["active", "deprecated", "retired"]),
    lifecycle: z.object({
      deprecatedOn: z.string().nullable(),
      sunsetOn: z.string().nullable(),
      successors: z.array(z.string()).meta({ description: "The models to move to, the provider's recommendation first." }),
      note: z.string(),
      source: z.object({ deprecatedOn: DateSource, sunsetOn: DateSource }).meta({ description: "Where each date comes from: the catalogue, or OpenAI's `shutdown_date` (read daily)." }),
      checkedAt: z.string().nullable().meta({ description: "When OpenAI's dates were last read; null when they are not read (no OpenAI key) or not yet." }),
      upgradeTo: z.string().nullable().meta({ description: "While retired: the model that serves its requests (the operator's RETIRED_MODEL_UPGRADES); else null." }),
    }),
    paramsKey: z.string(),
    sizes: z.object({
      presets: z.record(z.string(), Size),
      defaultAspectRatio: z.string(),
      custom: z.object({ maxEdgeExclusive: z.number(), multipleOf: z.number(), maxRatio: z.number(), minPixels: z.number(), maxPixels: z.number() }).nullable(),
    }),
    qualities: z.array(z.string()),
    complexity: z.object({ values: z.array(z.string()), default: z.string() }).nullable().meta({ description: "null: the model takes no complexity." }),
    outputFormats: z.array(z.string()),
    gif: z
      .object({
        frameCount: IntRange,
        frameDurationMs: IntRange.extend({ step: z.number() }),
        sheets: z.array(z.object({ frames: z.number(), columns: z.number(), rows: z.number() })),
      })
      .nullable()
      .meta({ description: "The rules of animated gif output; null when the model makes no gif." }),
    svg: z.object({ creditFactor: z.number() }).nullable().meta({ description: "svg output: one image per request, generation only, at creditFactor times the price." }),
    backgrounds: z.array(z.string()),
    defaults: z.object({ quality: z.string(), outputFormat: z.string(), aspectRatio: z.string(), numberOfImages: z.number() }),
    maxImages: z.number(),
    references: z.object({ max: z.number(), strength: z.boolean(), inputFidelity: z.boolean() }),
    creditsPerImage: z.record(z.string(), z.number()).meta({ description: "The prices in force (the operator's CREDIT_PRICES over the defaults), by quality." }),
    providers: z.array(z.string()),
  })
  .meta({ id: "Model" });

export const ModelList = z.object({ data: z.array(ModelView) }).meta({ id: "ModelList" });

export type ModelView = z.infer<typeof ModelView>;
export type ModelList = z.infer<typeof ModelList>;
