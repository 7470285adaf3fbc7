import * as z from "zod";
import { modelEntries, type ModelEntry } from "../../catalogue";
import { lifecycleInForce, lifecycleStatus, type OpenAIDates } from "../../catalogue/lifecycle";
import { readOpenAIDates } from "../../providers/openai/shutdown-dates";
import { priceList, pricesInForce, type PriceTable } from "../../catalogue/prices";
import { upgradesInForce } from "../../catalogue/upgrades";
import type { Env } from "../../env";
import { PROVIDERS } from "../../providers/registry";

// GET /v2/models: the catalogue as clients see it (every rule the playground needs), with the lifecycle dates and
// prices in force and the configured providers that serve each model.

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

interface InForce {
  dates: OpenAIDates | null;
  prices: PriceTable;
  upgrades: Map<string, string>;
}

function modelView(entry: ModelEntry, env: Env, now: number, { dates, prices, upgrades }: InForce): z.infer<typeof ModelView> {
  const status = lifecycleStatus(entry, now, dates);
  const { deprecatedOn, sunsetOn, successors, note, source, checkedAt } = lifecycleInForce(entry, dates);
  return {
    id: entry.id,
    aliases: [...entry.aliases],
    leonardoId: entry.leonardoId,
    name: entry.name,
    description: entry.description,
    status,
    lifecycle: { deprecatedOn, sunsetOn, successors: [...successors], note, source, checkedAt, upgradeTo: upgrades.get(entry.id) ?? null },
    paramsKey: entry.paramsKey,
    sizes: { presets: { ...entry.presets }, defaultAspectRatio: entry.defaultAspectRatio, custom: entry.customSize && { ...entry.customSize } },
    qualities: [...entry.qualities],
    complexity: entry.complexity && { values: [...entry.complexity.values], default: entry.complexity.default },
    outputFormats: [...entry.outputFormats],
    gif: entry.gif && {
      frameCount: { ...entry.gif.frameCount },
      frameDurationMs: { ...entry.gif.frameDurationMs },
      sheets: entry.gif.sheets.map((s) => ({ ...s })),
    },
    svg: entry.svg && { ...entry.svg },
    backgrounds: [...entry.backgrounds],
    defaults: { quality: entry.defaultQuality, outputFormat: entry.defaultOutputFormat, aspectRatio: entry.defaultAspectRatio, numberOfImages: 1 },
    maxImages: entry.quantity.native,
    references: { max: entry.references.native, strength: entry.references.strength, inputFidelity: entry.references.inputFidelity },
    creditsPerImage: priceList(entry, prices),
    providers: Object.values(PROVIDERS)
      .filter((p) => p.configured(env) && p.capabilities(entry.id, env) !== null)
      .map((p) => p.name),
  };
}

/** Every model with what is in force now; a malformed CREDIT_PRICES is a 503, as on creates (no price can be shown). */
export async function modelList(env: Env, now: number): Promise<z.infer<typeof ModelList>> {
  const prices = pricesInForce(env.CREDIT_PRICES);
  const dates = await readOpenAIDates(env);
  const upgrades = upgradesInForce(env.RETIRED_MODEL_UPGRADES, now, dates);
  return { data: modelEntries().map((entry) => modelView(entry, env, now, { dates, prices, upgrades })) };
}
