import type { JobRecord } from "./record";

// The events a change of a job produces: what SSE streams, webhooks and logs report.

export type JobEventType = "progress" | "completed" | "failed" | "cancelled";

export const TERMINAL_EVENT = { COMPLETED: "completed", FAILED: "failed", CANCELLED: "cancelled" } as const;

export function eventsBetween(before: JobRecord | null, after: JobRecord): JobEventType[] {
  if (before?.status !== after.status && after.status in TERMINAL_EVENT) {
    return [TERMINAL_EVENT[after.status as keyof typeof TERMINAL_EVENT]];
  }
  const progressed = after.status === "PROCESSING" && (before?.status !== "PROCESSING" || before.progress !== after.progress);
  return progressed ? ["progress"] : [];
}
