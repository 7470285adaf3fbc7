import { gptImage15 } from "./gpt-image-1.5";
import { gptImage2 } from "./gpt-image-2";
import { gptImage25Flare, gptImage25Sunburst } from "./gpt-image-2.5";
import { gptImage26Flare, gptImage26Sunburst } from "./gpt-image-2.6";
import type { ModelEntry, ModelId, OutputFormat, Quality } from "./types";

export * from "./types";
export * from "./sizes";
export * from "./rules";
export * from "./spec";

/** The single source of truth for models: schemas, prices, lifecycle and GET /v2/models all read it. */
export const CATALOGUE: Readonly<Record<ModelId, ModelEntry>> = {
  "gpt-image-1.5": gptImage15,
  "gpt-image-2": gptImage2,
  "gpt-image-2.5-flare": gptImage25Flare,
  "gpt-image-2.5-sunburst": gptImage25Sunburst,
  "gpt-image-2.6-flare": gptImage26Flare,
  "gpt-image-2.6-sunburst": gptImage26Sunburst,
};

export const modelEntries = (): ModelEntry[] => Object.values(CATALOGUE);

/** The entry a validated request's model id names: its own id, an alias (a dated snapshot) or its Leonardo id. */
export function modelById(id: string): ModelEntry | undefined {
  return modelEntries().find((e) => e.id === id || e.aliases.includes(id) || e.leonardoId === id);
}

/** Every id a request may use for the entry, its own first. */
export const idsOf = (entry: ModelEntry): [string, ...string[]] => [entry.id, ...entry.aliases];

/** The ids the Leonardo dialect takes for the entry: Leonardo's own first, then the bare one (SPEC §3.3). */
export const leonardoIdsOf = (entry: ModelEntry): [string, ...string[]] => [...new Set([entry.leonardoId, entry.id])] as [string, ...string[]];

/** The ids of the models for which `takes` holds, for messages that say where a value belongs. */
export const modelsThat = (takes: (entry: ModelEntry) => boolean): ModelId[] => modelEntries().filter(takes).map((e) => e.id);

/** Credits per image: the price table's (the catalogue's, or the operator's over it), times the format's factor. */
export function creditsPerImage(entry: ModelEntry, quality: Quality, format: OutputFormat, prices: ModelEntry["credits"] = entry.credits): number {
  const base = prices[quality] ?? entry.credits[quality];
  if (base === undefined) throw new Error(`${entry.id} has no price for quality ${quality}`);
  return format === "svg" && entry.svg ? base * entry.svg.creditFactor : base;
}

/** A message for a value the model does not take, naming what it takes and which models take the value. */
export function notTaken(entry: ModelEntry, field: string, value: unknown, allowed: readonly string[], owners: ModelId[]): string {
  // A body read by the streaming JSON parser holds objects without a prototype, which String() cannot print.
  const shown = typeof value === "string" ? `"${value.slice(0, 40)}"` : (typeof value === "object" && value !== null ? JSON.stringify(value) : String(value)).slice(0, 40);
  const elsewhere = owners.length > 0 ? ` (${shown} is for ${owners.join(", ")})` : "";
  return `${field} ${shown} is not allowed for ${entry.id}: use ${allowed.join(", ")}${elsewhere}`;
}

/** What a job costs at admission: every image it asks for, at the price in force. */
export function creditCost(entry: ModelEntry, spec: { quality: Quality; outputFormat: OutputFormat; quantity: number }, prices?: ModelEntry["credits"]): number {
  return creditsPerImage(entry, spec.quality, spec.outputFormat, prices) * spec.quantity;
}
