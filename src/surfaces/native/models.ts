import * as z from "zod";
import type { ModelEntry } from "../../catalogue";
import { lifecycleStatus } from "../../catalogue/lifecycle";
import type { Env } from "../../env";
import { PROVIDERS } from "../../providers/registry";

// GET /v2/models: the catalogue as clients see it, plus which configured providers serve each model.

const Size = z.object({ width: z.number(), height: z.number() });

export const ModelView = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    status: z.enum(["active", "deprecated", "retired"]),
    lifecycle: z.object({ deprecatedOn: z.string().nullable(), sunsetOn: z.string().nullable(), successor: z.string().nullable(), note: z.string() }),
    paramsKey: z.string(),
    sizes: z.object({
      presets: z.record(z.string(), Size),
      defaultAspectRatio: z.string(),
      custom: z.object({ maxEdgeExclusive: z.number(), multipleOf: z.number(), maxRatio: z.number(), minPixels: z.number(), maxPixels: z.number() }).nullable(),
    }),
    qualities: z.array(z.string()),
    outputFormats: z.array(z.string()),
    backgrounds: z.array(z.string()),
    defaults: z.object({ quality: z.string(), outputFormat: z.string(), aspectRatio: z.string(), numberOfImages: z.number() }),
    maxImages: z.number(),
    references: z.object({ max: z.number(), strength: z.boolean(), inputFidelity: z.boolean() }),
    creditsPerImage: z.record(z.string(), z.number()),
    providers: z.array(z.string()),
  })
  .meta({ id: "Model" });

export const ModelList = z.object({ data: z.array(ModelView) }).meta({ id: "ModelList" });

export function modelView(entry: ModelEntry, env: Env, now: number): z.infer<typeof ModelView> {
  return {
    id: entry.id,
    name: entry.name,
    description: entry.description,
    status: lifecycleStatus(entry, now),
    lifecycle: { ...entry.lifecycle },
    paramsKey: entry.paramsKey,
    sizes: { presets: { ...entry.presets }, defaultAspectRatio: entry.defaultAspectRatio, custom: entry.customSize && { ...entry.customSize } },
    qualities: [...entry.qualities],
    outputFormats: [...entry.outputFormats],
    backgrounds: [...entry.backgrounds],
    defaults: { quality: entry.defaultQuality, outputFormat: entry.defaultOutputFormat, aspectRatio: entry.defaultAspectRatio, numberOfImages: 1 },
    maxImages: entry.quantity.native,
    references: { max: entry.references.native, strength: entry.references.strength, inputFidelity: entry.references.inputFidelity },
    creditsPerImage: { ...entry.credits },
    providers: Object.values(PROVIDERS)
      .filter((p) => p.configured(env) && p.capabilities(entry.id, env) !== null)
      .map((p) => p.name),
  };
}
