import * as z from "../lib/zod";
import { ApiError } from "../lib/errors";
import { ACTIVE } from "./job-index";

// Per-key budgets: at most `credits` per UTC day or calendar month (UTC). What a key has used in a period is read from
// the job index itself, the jobs it admitted since the period began: what ended jobs were charged plus what running
// jobs still hold. Reservations count, so a budget is checked in the same transaction as the credit reservation and a
// burst of creates cannot pass it; a period's end needs no reset, the next period simply holds no jobs yet.

export const BUDGET_PERIODS = ["day", "month"] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export const Budget = z.withMeta(
  z.strictObject({
    credits: z.withMeta(z.int().check(z.gte(0), z.lte(1_000_000_000)), {
      description: "Credits the key may use per period: charged, or held by its running jobs.",
    }),
    period: z.withMeta(z.enum(BUDGET_PERIODS), { description: "`day` (UTC) or `month` (calendar month, UTC): the budget starts afresh at each." }),
  }),
  { id: "Budget", examples: [{ credits: 5_000, period: "month" }] },
);
export type Budget = z.infer<typeof Budget>;

/** A key's budget and what it used this period (budget.docs.ts documents it). */
export interface BudgetState extends Budget {
  keyId: string;
  used: number;
  remaining: number;
  /** ISO 8601. */
  resetsAt: string;
}

/** The period holding `at`: [start, end) in ms, UTC. */
export function periodOf(period: BudgetPeriod, at: number): { start: number; end: number } {
  const d = new Date(at);
  if (period === "day") {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return { start, end: start + 86_400_000 };
  }
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

export function setBudget(sql: SqlStorage, keyId: string, budget: Budget | null): void {
  if (budget === null) sql.exec("DELETE FROM key_budgets WHERE key_id = ?", keyId);
  else sql.exec("INSERT OR REPLACE INTO key_budgets (key_id, credits, period) VALUES (?, ?, ?)", keyId, budget.credits, budget.period);
}

function stateOf(sql: SqlStorage, keyId: string, budget: Budget, at: number): BudgetState {
  const { start, end } = periodOf(budget.period, at);
  const used = sql
    .exec<{ n: number }>(
      "SELECT COALESCE(SUM(CASE WHEN status = ? THEN reserved ELSE charged END), 0) AS n FROM jobs WHERE key_id = ? AND created >= ?",
      ACTIVE,
      keyId,
      start,
    )
    .one().n;
  return { keyId, ...budget, used, remaining: Math.max(0, budget.credits - used), resetsAt: new Date(end).toISOString() };
}

export function budgetOf(sql: SqlStorage, keyId: string, at: number): BudgetState | null {
  const row = sql.exec<Budget>("SELECT credits, period FROM key_budgets WHERE key_id = ?", keyId).toArray()[0];
  return row ? stateOf(sql, keyId, { credits: row.credits, period: row.period }, at) : null;
}

/** Every key of the account that has a budget, with what it has used this period. */
export const budgets = (sql: SqlStorage, at: number): BudgetState[] =>
  sql
    .exec<Budget & { key_id: string }>("SELECT key_id, credits, period FROM key_budgets ORDER BY key_id")
    .toArray()
    .map((r) => stateOf(sql, r.key_id, { credits: r.credits, period: r.period }, at));

/** The key's budget when `cost` more would pass it; null when it fits (or the key has none). */
export function overBudget(sql: SqlStorage, keyId: string, cost: number, at: number): BudgetState | null {
  const state = budgetOf(sql, keyId, at);
  return state && state.used + cost > state.credits ? state : null;
}

/** A create the key's budget cannot pay: 402 in each surface's envelope, naming the budget, what is left and its reset. */
export function overBudgetError(required: number, budget: BudgetState, headers: Record<string, string>): ApiError {
  const per = budget.period === "day" ? "a day (UTC)" : "a month (UTC)";
  return new ApiError(
    "insufficient_credits",
    `This job costs ${required} credits and key ${budget.keyId}'s budget of ${budget.credits} credits ${per} has ${budget.remaining} left; it resets at ${budget.resetsAt}.`,
    { headers, extra: { creditsRequired: required, creditsAvailable: budget.remaining, budget } },
  );
}
