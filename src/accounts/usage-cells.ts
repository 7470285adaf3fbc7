import { ACTIVE, type IndexStatus } from "./job-index";

// The AccountDO's side of GET /v2/usage: its job index summed into cells, one per UTC day (of admission), model,
// provider and key. The figures are the ledger's own: a job's reservation, its charge, what it refunded, and what it
// reported when it settled (jobs/settle.ts). The Worker merges cells into the rows asked for (usage.ts), across accounts too.


export interface UsageQuery {
  /** [from, to) in ms. */
  from: number;
  to: number;
  key: string | null;
  status: IndexStatus | null;
}

export interface UsageFigures {
  active: number;
  completed: number;
  failed: number;
  cancelled: number;
  images: number;
  /** Credits reserved at admission = held (by running jobs) + spent + refunded. */
  reserved: number;
  held: number;
  spent: number;
  refunded: number;
  /** What the providers reported; null when none of the jobs reported the figure. */
  apiCreditCost: number | null;
  creditCost: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  /** The reported tokens at list prices, in millionths of a dollar. */
  usdMicros: number | null;
  /** The time of each ended job, from creation to its end. */
  ms: number[];
}

export interface UsageCell extends UsageFigures {
  day: string;
  model: string;
  provider: string | null;
  key: string | null;
}

/** Figures summed as they are, and those a provider may not have reported (null until one did). */
const COUNTS = ["active", "completed", "failed", "cancelled", "images", "reserved", "held", "spent", "refunded"] as const;
const REPORTED = ["apiCreditCost", "creditCost", "inputTokens", "outputTokens", "totalTokens", "usdMicros"] as const;

type Row = Record<(typeof REPORTED)[number], number | null> & {
  created: number;
  model: string;
  provider: string | null;
  key: string | null;
  status: string;
  reserved: number;
  charged: number;
  images: number | null;
  ms: number | null;
};

export const emptyFigures = (): UsageFigures =>
  Object.assign(Object.fromEntries([...COUNTS.map((k) => [k, 0]), ...REPORTED.map((k) => [k, null])]), { ms: [] }) as UsageFigures;

/** Adds `b` into `a`. */
export function addFigures(a: UsageFigures, b: UsageFigures): void {
  for (const k of COUNTS) a[k] += b[k];
  for (const k of REPORTED) a[k] = a[k] === null ? b[k] : a[k] + (b[k] ?? 0);
  for (const ms of b.ms) a.ms.push(ms);
}

function figuresOf(r: Row): UsageFigures {
  const active = r.status === ACTIVE;
  const figures: UsageFigures = {
    ...emptyFigures(),
    active: active ? 1 : 0,
    completed: r.status === "COMPLETED" ? 1 : 0,
    failed: r.status === "FAILED" ? 1 : 0,
    cancelled: r.status === "CANCELLED" ? 1 : 0,
    images: r.images ?? 0,
    reserved: r.reserved,
    held: active ? r.reserved : 0,
    spent: active ? 0 : r.charged,
    refunded: active ? 0 : r.reserved - r.charged,
  };
  for (const k of REPORTED) figures[k] = r[k];
  if (!active && r.ms !== null) figures.ms.push(r.ms);
  return figures;
}

export function usageCells(sql: SqlStorage, q: UsageQuery): UsageCell[] {
  const where = ["created >= ?", "created < ?"];
  const args: (string | number)[] = [q.from, q.to];
  if (q.key !== null) {
    where.push("key_id = ?");
    args.push(q.key);
  }
  if (q.status !== null) {
    where.push("status = ?");
    args.push(q.status);
  }
  const cells = new Map<string, UsageCell>();
  const columns =
    "created, model, provider, key_id AS key, status, reserved, charged, images, ms, api_credit_cost AS apiCreditCost, " +
    "upstream_credit_cost AS creditCost, input_tokens AS inputTokens, output_tokens AS outputTokens, total_tokens AS totalTokens, usd_micros AS usdMicros";
  for (const r of sql.exec<Row>(`SELECT ${columns} FROM jobs WHERE ${where.join(" AND ")}`, ...args)) {
    const day = new Date(r.created).toISOString().slice(0, 10);
    const id = JSON.stringify([day, r.model, r.provider, r.key]);
    let cell = cells.get(id);
    if (!cell) cells.set(id, (cell = { day, model: r.model, provider: r.provider, key: r.key, ...emptyFigures() }));
    addFigures(cell, figuresOf(r));
  }
  return [...cells.values()];
}

export type CostlyJob = {
  id: string;
  model: string;
  key: string | null;
  created: number;
  charged: number;
};

/** The ended jobs that were charged the most, most first. */
export const costliestJobs = (sql: SqlStorage, q: UsageQuery, limit: number): CostlyJob[] =>
  sql
    .exec<CostlyJob>(
      `SELECT id, model, key_id AS key, created, charged FROM jobs WHERE created >= ? AND created < ? AND status != ? AND charged > 0
         ${q.key !== null ? "AND key_id = ?" : ""} ${q.status !== null ? "AND status = ?" : ""} ORDER BY charged DESC, created DESC LIMIT ?`,
      q.from,
      q.to,
      ACTIVE,
      ...(q.key !== null ? [q.key] : []),
      ...(q.status !== null ? [q.status] : []),
      limit,
    )
    .toArray();
