import type { Dimension } from "./usage-params";
import type { UsageRow } from "./usage.docs";

// GET /v2/usage with `Accept: text/csv`: the same rows, one line each (RFC 4180), the nested figures flattened.
// A small Accept match of its own rather than hono/accepts, which costs the Worker bundle 2.5 KB for this one choice.

/** The figures' paths in a row; a column is named by its path ("credits.spent" → credits_spent, "upstream.usage.inputTokens" → upstream_input_tokens). */
const FIGURES = [
  "jobs.total", "jobs.active", "jobs.completed", "jobs.failed", "jobs.cancelled", "images",
  "credits.reserved", "credits.held", "credits.spent", "credits.refunded",
  "upstream.apiCreditCost", "upstream.creditCost", "upstream.usage.inputTokens", "upstream.usage.outputTokens", "upstream.usage.totalTokens", "upstream.usdEstimate",
  "jobTimeMs.p50", "jobTimeMs.p95",
];

const at = (row: UsageRow, path: string): unknown => path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown> | null)?.[k], row);
const column = (path: string): string => path.replace(/\.(usage\.)?/, "_").replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A field quoted when it must be; one starting like a formula is quoted and prefixed so a spreadsheet shows it as text. */
function field(value: unknown): string {
  if (value === null || value === undefined) return "";
  const s = String(value);
  const safe = typeof value === "string" && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n']/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function usageCsv(dims: Dimension[], rows: UsageRow[]): string {
  const lines = [[...dims, ...FIGURES.map(column)].join(",")];
  for (const row of rows) lines.push([...dims.map((d) => field(row[d])), ...FIGURES.map((f) => field(at(row, f)))].join(","));
  return `${lines.join("\r\n")}\r\n`;
}

/** The q of `type` in an Accept header, by its most specific range (RFC 9110 §12.5.1); 0 when none matches. */
function quality(accept: string, type: string): number {
  let best = -1;
  let q = 0;
  for (const part of accept.toLowerCase().split(",")) {
    const [range = "", ...params] = part.split(";").map((p) => p.trim());
    const specificity = range === type ? 2 : range === `${type.split("/")[0]}/*` ? 1 : range === "*/*" ? 0 : -1;
    if (specificity <= best) continue;
    best = specificity;
    const given = params.find((p) => p.startsWith("q="));
    q = given === undefined ? 1 : Number(given.slice(2)) || 0;
  }
  return q;
}

/** CSV when the client prefers it to JSON; JSON on a tie (any type accepted alike) or without an Accept header. */
export const wantsCsv = (accept: string | undefined): boolean => accept !== undefined && quality(accept, "text/csv") > quality(accept, "application/json");
