import type { CostlyJobView, Figures, UsageRow } from "./usage.docs";
import { addFigures, emptyFigures, type CostlyJob, type UsageCell, type UsageFigures } from "./usage-cells";
import type { Dimension } from "./usage-params";

// GET /v2/usage and GET /admin/usage: the cells of one or more AccountDOs (usage-cells.ts) merged into the rows asked
// for. Every figure is a sum of the job index's rows, so the totals are the ledger's. The answer's schemas are
// documentation only (usage.docs.ts), so that they stay out of the Worker bundle.

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
