import { ApiError } from "../lib/errors";
import { modelById } from "./index";
import type { ModelEntry, ModelId, Quality } from "./types";

// The operator's prices (SPEC §3.3): CREDIT_PRICES='{"gpt-image-2": {"high": 20}}' over the catalogue's defaults,
// credits per image by model and quality. A malformed value stops creates with a 503 naming the var (never a 500,
// never a job priced by a guess); it is logged once per isolate.

const PRICES_VAR = "CREDIT_PRICES";

export type Prices = ModelEntry["credits"];
/** Each model's prices in force, by quality; a model the operator did not price is absent (its defaults apply). */
export type PriceTable = Readonly<Partial<Record<ModelId, Prices>>>;

type Parsed = { ok: true; table: PriceTable } | { ok: false; problem: string };

/** The var's value checked: known models (or aliases), each model's own qualities, non-negative integers. */
export function parsePrices(raw: string | undefined): Parsed {
  if (raw === undefined || raw.trim() === "") return { ok: true, table: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, problem: "it is not JSON" };
  }
  if (!isObject(value)) return { ok: false, problem: 'it must be a JSON object: {"<model>": {"<quality>": credits}}' };
  const table: Partial<Record<ModelId, Prices>> = {};
  for (const [id, byQuality] of Object.entries(value)) {
    const entry = modelById(id);
    if (!entry) return { ok: false, problem: `${id} is not a model of the catalogue` };
    if (table[entry.id]) return { ok: false, problem: `${entry.id} is priced twice` };
    if (!isObject(byQuality)) return { ok: false, problem: `${id} must map qualities to credits` };
    const prices: Partial<Record<Quality, number>> = {};
    for (const [quality, credits] of Object.entries(byQuality)) {
      if (!(entry.qualities as readonly string[]).includes(quality)) {
        return { ok: false, problem: `${id} has no quality ${quality}: use ${entry.qualities.join(", ")}` };
      }
      if (typeof credits !== "number" || !Number.isSafeInteger(credits) || credits < 0) {
        return { ok: false, problem: `${id} ${quality} must be a whole number of credits, 0 or more, not ${JSON.stringify(credits)}` };
      }
      prices[quality as Quality] = credits;
    }
    table[entry.id] = prices;
  }
  return { ok: true, table };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

let last: { raw: string | undefined; parsed: Parsed } | null = null;

/** The prices in force; a malformed CREDIT_PRICES is a 503 that says what is wrong. */
export function pricesInForce(raw: string | undefined): PriceTable {
  if (!last || last.raw !== raw) {
    last = { raw, parsed: parsePrices(raw) };
    if (!last.parsed.ok) console.log(JSON.stringify({ msg: `${PRICES_VAR} is malformed; creates are refused`, why: last.parsed.problem }));
  }
  const { parsed } = last;
  if (parsed.ok) return parsed.table;
  throw new ApiError("unavailable", `The gateway's ${PRICES_VAR} setting is malformed (${parsed.problem}), so no job can be priced; nothing was charged. The operator must correct it.`, {
    extra: { setting: PRICES_VAR },
  });
}

/** A model's credits per image in force, by quality, for each of its qualities. */
export const priceList = (entry: ModelEntry, table: PriceTable): Prices => ({ ...entry.credits, ...table[entry.id] });
