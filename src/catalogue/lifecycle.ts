import type { Lifecycle, ModelEntry, ModelId } from "./types";

// A model's lifecycle in force (SPEC §3.4): the catalogue's dates, or OpenAI's own where the cron has read one
// (providers/openai/shutdown-dates.ts), and the status and headers those dates give on a day.

export type LifecycleStatus = "active" | "deprecated" | "retired";
export type DateSource = "catalogue" | "openai";

/** A shutdown date read from OpenAI's GET /v1/models, and the day imagegate first saw it (ISO dates). */
export interface SourcedShutdown {
  shutdownOn: string;
  seenOn: string;
}

/** What the cron last read from OpenAI: when, and the models that had a shutdown date. */
export interface OpenAIDates {
  checkedAt: string;
  models: Partial<Record<ModelId, SourcedShutdown>>;
}

export interface LifecycleInForce extends Lifecycle {
  source: { deprecatedOn: DateSource; sunsetOn: DateSource };
  /** When OpenAI's dates were last read; null when they never were (no OpenAI key, or no read yet). */
  checkedAt: string | null;
}

const DAY_START = "T00:00:00Z";
const epoch = (isoDate: string): number => Date.parse(isoDate + DAY_START);

/**
 * OpenAI's shutdown date wins over the catalogue's sunset. The model counts as deprecated from the day that date was
 * first seen, unless the catalogue deprecated it earlier (and never after its own shutdown).
 */
export function lifecycleInForce(entry: ModelEntry, dates: OpenAIDates | null): LifecycleInForce {
  const checkedAt = dates?.checkedAt ?? null;
  const sourced = dates?.models[entry.id];
  if (!sourced) return { ...entry.lifecycle, source: { deprecatedOn: "catalogue", sunsetOn: "catalogue" }, checkedAt };
  const own = entry.lifecycle.deprecatedOn;
  const seen = sourced.seenOn < sourced.shutdownOn ? sourced.seenOn : sourced.shutdownOn;
  const keepOwn = own !== null && own <= seen;
  return {
    ...entry.lifecycle,
    deprecatedOn: keepOwn ? own : seen,
    sunsetOn: sourced.shutdownOn,
    source: { deprecatedOn: keepOwn ? "catalogue" : "openai", sunsetOn: "openai" },
    checkedAt,
  };
}

/** A model's status on a given day, from its dates in force (the catalogue's alone when `dates` is null). */
export function lifecycleStatus(entry: ModelEntry, now: number, dates: OpenAIDates | null = null): LifecycleStatus {
  const { deprecatedOn, sunsetOn } = lifecycleInForce(entry, dates);
  if (sunsetOn && now >= epoch(sunsetOn)) return "retired";
  if (deprecatedOn && now >= epoch(deprecatedOn)) return "deprecated";
  return "active";
}

/** RFC 9745 Deprecation and RFC 8594 Sunset headers for a deprecated model. */
export function lifecycleHeaders(entry: ModelEntry, now: number, dates: OpenAIDates | null = null): Record<string, string> {
  const { deprecatedOn, sunsetOn } = lifecycleInForce(entry, dates);
  if (lifecycleStatus(entry, now, dates) !== "deprecated" || !deprecatedOn) return {};
  const headers: Record<string, string> = { Deprecation: `@${Math.floor(epoch(deprecatedOn) / 1000)}` };
  if (sunsetOn) headers.Sunset = new Date(epoch(sunsetOn)).toUTCString();
  return headers;
}

/** "a", "a or b", "a, b or c": the successors as a sentence names them. */
export function successorsInWords(successors: readonly string[]): string {
  if (successors.length <= 1) return successors.join("");
  return `${successors.slice(0, -1).join(", ")} or ${successors[successors.length - 1]}`;
}
