import { modelEntries, type ModelEntry } from "../../catalogue";
import { lifecycleInForce, lifecycleStatus, type OpenAIDates } from "../../catalogue/lifecycle";
import { priceList, pricesInForce, type PriceTable } from "../../catalogue/prices";
import { upgradesInForce } from "../../catalogue/upgrades";
import type { Env } from "../../env";
import { lifecycleDates, servingProviders } from "../../jobs/routing";
import type { ModelList, ModelView } from "./models.docs";

// GET /v2/models: the catalogue as clients see it (every rule the playground needs), with the lifecycle dates and
// prices in force and the configured providers that serve each model.

interface InForce {
  dates: OpenAIDates | null;
  prices: PriceTable;
  upgrades: Map<string, string>;
}

function modelView(entry: ModelEntry, env: Env, now: number, { dates, prices, upgrades }: InForce): ModelView {
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
    providers: servingProviders(env, entry.id),
  };
}

/** Every model with what is in force now; a malformed CREDIT_PRICES is a 503, as on creates (no price can be shown). */
export async function modelList(env: Env, now: number): Promise<ModelList> {
  const prices = pricesInForce(env.CREDIT_PRICES);
  const dates = await lifecycleDates(env);
  const upgrades = upgradesInForce(env.RETIRED_MODEL_UPGRADES, now, dates);
  return { data: modelEntries().map((entry) => modelView(entry, env, now, { dates, prices, upgrades })) };
}
