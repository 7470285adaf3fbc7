import * as z from "zod";
import { ApiError } from "../lib/errors";
import type { CostlyJobView, Figures, Usage, UsageRow } from "./usage.docs";
import { addFigures, emptyFigures, INDEX_STATUSES, type CostlyJob, type UsageCell, type UsageFigures, type UsageQuery } from "./usage-cells";

// GET /v2/usage and GET /admin/usage: the query both take, and the cells of one or more AccountDOs (usage-cells.ts)
// merged into the rows asked for. Every figure is a sum of the job index's rows, so the totals are the ledger's. The
// answer's schemas are documentation only (usage.docs.ts), so that they stay out of the Worker bundle.

export const DIMENSIONS = ["day", "model", "provider", "key"] as const;
export const ADMIN_DIMENSIONS = [...DIMENSIONS, "account"] as const;
export type Dimension = (typeof ADMIN_DIMENSIONS)[number];

const MAX_SPAN_DAYS = 93;
const DEFAULT_SPAN_DAYS = 29;
const DAY_MS = 86_400_000;
export const TOP_JOBS = 10;

const groupBy = (allowed: readonly Dimension[]) =>
  z
    .string()
    .default("day")
    .transform((s, ctx) => {
      const dims = s.split(",").map((d) => d.trim());
      const bad = dims.find((d) => !(allowed as readonly string[]).includes(d));
      if (bad !== undefined) ctx.addIssue({ code: "custom", message: `"${bad}" is not one of ${allowed.join(", ")}` });
      else if (dims.length > 2 || new Set(dims).size !== dims.length) ctx.addIssue({ code: "custom", message: "one dimension, or two different ones such as day,model" });
      return dims as Dimension[];
    })
    .meta({ description: `One of ${allowed.join(", ")}, or two separated by a comma (\`day,model\`); default \`day\`.` });

const date = (what: string) => z.iso.date().optional().meta({ description: what });

const baseQuery = {
  from: date(`First day (UTC, inclusive); default ${DEFAULT_SPAN_DAYS} days before \`to\`.`),
  to: date(`Last day (UTC, inclusive), at most ${MAX_SPAN_DAYS} days after \`from\`; default today.`),
  key: z.string().max(64).optional().meta({ description: "Only the jobs this key (`key_…`) created; it may be revoked." }),
  status: z
    .enum(INDEX_STATUSES)
    .optional()
    .meta({ description: "Only jobs that ended so (`COMPLETED`, `FAILED`, `CANCELLED`), or still run (`ACTIVE`)." }),
};

export const UsageParams = z.strictObject({ ...baseQuery, groupBy: groupBy(DIMENSIONS) });
export const AdminUsageParams = z.strictObject({
  ...baseQuery,
  groupBy: groupBy(ADMIN_DIMENSIONS),
  accountId: z.string().max(64).optional().meta({ description: "Only this account." }),
});
export type UsageParams = z.infer<typeof UsageParams>;

/** The days asked for as [from, to) in ms; a range backwards or too long is a 400. */
export function usageRange(q: { from?: string; to?: string }, at: number): { from: number; to: number; days: [string, string] } {
  const to = q.to ? Date.parse(q.to) : Date.parse(new Date(at).toISOString().slice(0, 10));
  const from = q.from ? Date.parse(q.from) : to - DEFAULT_SPAN_DAYS * DAY_MS;
  if (from > to) throw new ApiError("invalid_request", "from: must not be after to", { errors: [{ path: "from", message: "must not be after to" }] });
  if (to - from > MAX_SPAN_DAYS * DAY_MS) {
    const message = `from and to may be at most ${MAX_SPAN_DAYS} days apart`;
    throw new ApiError("invalid_request", `to: ${message}`, { errors: [{ path: "to", message }] });
  }
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return { from, to: to + DAY_MS, days: [day(from), day(to)] };
}

export const usageQuery = (q: UsageParams, range: { from: number; to: number }): UsageQuery => ({
  from: range.from,
  to: range.to,
  key: q.key ?? null,
  status: q.status ?? null,
});

/** Nearest-rank percentile of ascending `sorted`. */
const percentile = (sorted: number[], p: number): number | null => (sorted.length === 0 ? null : sorted[Math.ceil(p * sorted.length) - 1]!);

function render(f: UsageFigures): Figures {
  const ms = [...f.ms].sort((a, b) => a - b);
  const reported = f.inputTokens !== null || f.outputTokens !== null || f.totalTokens !== null;
  const usage = reported ? { inputTokens: f.inputTokens ?? 0, outputTokens: f.outputTokens ?? 0, totalTokens: f.totalTokens ?? 0 } : null;
  const { active, completed, failed, cancelled } = f;
  return {
    jobs: { total: active + completed + failed + cancelled, active, completed, failed, cancelled },
    images: f.images,
    credits: { reserved: f.reserved, held: f.held, spent: f.spent, refunded: f.refunded },
    upstream: { apiCreditCost: f.apiCreditCost, creditCost: f.creditCost, usage, usdEstimate: f.usdMicros === null ? null : f.usdMicros / 1e6 },
    jobTimeMs: { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) },
  };
}

export type AccountCell = UsageCell & { account: string };

const compare = (a: string | null, b: string | null): number => (a ?? "").localeCompare(b ?? "");

/** The cells merged by `dims`, rows in order of their dimensions, with the totals of all. */
export function summarise(cells: AccountCell[], dims: Dimension[]): { rows: UsageRow[]; totals: Figures } {
  const groups = new Map<string, { dims: Partial<Record<Dimension, string | null>>; figures: UsageFigures }>();
  const total = emptyFigures();
  for (const cell of cells) {
    const at = Object.fromEntries(dims.map((d) => [d, cell[d]])) as Partial<Record<Dimension, string | null>>;
    const id = JSON.stringify(dims.map((d) => cell[d]));
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { dims: at, figures: emptyFigures() }));
    addFigures(group.figures, cell);
    addFigures(total, cell);
  }
  const ordered = [...groups.values()].sort((a, b) => {
    for (const d of dims) {
      const c = compare(a.dims[d] ?? null, b.dims[d] ?? null);
      if (c !== 0) return c;
    }
    return 0;
  });
  return { rows: ordered.map((g) => ({ ...g.dims, ...render(g.figures) })), totals: render(total) };
}

export const costlyJobView = (job: CostlyJob & { account?: string }): CostlyJobView => ({
  id: job.id,
  model: job.model,
  key: job.key,
  ...(job.account !== undefined ? { account: job.account } : {}),
  createdAt: new Date(job.created).toISOString(),
  creditCost: job.charged,
  url: `/v2/jobs/${job.id}`,
});
