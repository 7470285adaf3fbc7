import type { ModelEntry } from "./types";

export type LifecycleStatus = "active" | "deprecated" | "retired";

const DAY_START = "T00:00:00Z";
const epoch = (isoDate: string): number => Date.parse(isoDate + DAY_START);

/** A model's status on a given day, derived from its dates. */
export function lifecycleStatus(entry: ModelEntry, now: number): LifecycleStatus {
  const { deprecatedOn, sunsetOn } = entry.lifecycle;
  if (sunsetOn && now >= epoch(sunsetOn)) return "retired";
  if (deprecatedOn && now >= epoch(deprecatedOn)) return "deprecated";
  return "active";
}

/** RFC 9745 Deprecation and RFC 8594 Sunset headers for a deprecated model. */
export function lifecycleHeaders(entry: ModelEntry, now: number): Record<string, string> {
  const { deprecatedOn, sunsetOn } = entry.lifecycle;
  if (lifecycleStatus(entry, now) !== "deprecated" || !deprecatedOn) return {};
  const headers: Record<string, string> = { Deprecation: `@${Math.floor(epoch(deprecatedOn) / 1000)}` };
  if (sunsetOn) headers.Sunset = new Date(epoch(sunsetOn)).toUTCString();
  return headers;
}
