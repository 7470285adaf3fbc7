import type { Env } from "../env";
import { accountStub } from "./account-stub";
import { costlyJobView, summarise, type AccountCell } from "./usage";
import { TOP_JOBS, usageQuery, usageRange, type Dimension, type UsageParams } from "./usage-params";
import type { Usage } from "./usage.docs";
import type { CostlyJob } from "./usage-cells";

// One usage answer from the AccountDOs of one account (GET /v2/usage) or many (GET /admin/usage): each sums its own
// job index; the cells are merged here. Fanned out a few accounts at a time, so that a large fleet is not read at once.

const FAN_OUT = 16;

/** null when the viewer's key was revoked (the account's word, which is faster than KV's). */
export async function usageReport(
  env: Env,
  accounts: string[],
  viewerKeyId: string | null,
  params: UsageParams & { groupBy: Dimension[] },
  at: number,
): Promise<Usage | null> {
  const range = usageRange(params, at);
  const query = usageQuery(params, range);
  const cells: AccountCell[] = [];
  const costly: (CostlyJob & { account: string })[] = [];
  for (let i = 0; i < accounts.length; i += FAN_OUT) {
    const batch = accounts.slice(i, i + FAN_OUT);
    const answers = await Promise.all(batch.map((id) => accountStub(env, id).usage(viewerKeyId, query, TOP_JOBS)));
    for (const [j, answer] of answers.entries()) {
      if (!answer) return null;
      const account = batch[j]!;
      for (const cell of answer.cells) cells.push({ ...cell, account });
      for (const job of answer.costliest) costly.push({ ...job, account });
    }
  }
  const { rows, totals } = summarise(cells, params.groupBy);
  const top = costly.sort((a, b) => b.charged - a.charged || b.created - a.created).slice(0, TOP_JOBS);
  const admin = viewerKeyId === null;
  return {
    from: range.days[0],
    to: range.days[1],
    groupBy: params.groupBy,
    rows,
    totals,
    costliestJobs: top.map(({ account, ...job }) => costlyJobView(admin ? { ...job, account } : job)),
  };
}
