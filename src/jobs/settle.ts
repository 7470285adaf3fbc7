import { CATALOGUE, type TokenPrices } from "../catalogue";
import type { Env } from "../env";
import { isTerminal, type JobRecord, type JobStatus } from "./record";
import type { UpstreamCost } from "../providers/types";
import { accountStub } from "../accounts/account-stub";
import type { EndedStatus, JobReport } from "../accounts/job-index";

// What an ended job owes: the images it delivered at the price per image reserved at admission (so a change of
// CREDIT_PRICES while it ran cannot charge it differently, and never more than was reserved); FAILED and CANCELLED
// owe nothing. The JobDO calls this until it succeeds; the AccountDO applies it once per job, and keeps the job's
// report (provider, images, time, upstream cost and its USD estimate) in its job index for GET /v2/usage.

/** The upstream cost of every attempt, summed per figure; a figure no attempt reported stays absent. */
export function upstreamCostOf(rec: JobRecord): UpstreamCost {
  const total: UpstreamCost = {};
  for (const { cost } of rec.attempts) {
    if (!cost) continue;
    if (cost.apiCreditCost !== undefined) total.apiCreditCost = (total.apiCreditCost ?? 0) + cost.apiCreditCost;
    if (cost.creditCost !== undefined) total.creditCost = (total.creditCost ?? 0) + cost.creditCost;
    if (cost.usage) {
      const first = total.usage === undefined;
      const u = total.usage ?? { inputTokens: 0, outputTokens: 0, totalTokens: 0, inputImageTokens: 0 };
      // The input's image part is known only while every call gave it.
      const image = (first || u.inputImageTokens !== undefined) && cost.usage.inputImageTokens !== undefined ? (u.inputImageTokens ?? 0) + cost.usage.inputImageTokens : undefined;
      total.usage = {
        inputTokens: u.inputTokens + cost.usage.inputTokens,
        outputTokens: u.outputTokens + cost.usage.outputTokens,
        totalTokens: u.totalTokens + cost.usage.totalTokens,
        ...(image !== undefined ? { inputImageTokens: image } : {}),
      };
    }
  }
  return total;
}

/**
 * The tokens' price in millionths of a dollar (a whole number, so that sums are exact), at the model's list prices;
 * input whose image part OpenAI did not give is priced as text. Null when no tokens were reported or no price is known.
 */
export function usdMicrosOf(prices: TokenPrices | null, usage: UpstreamCost["usage"]): number | null {
  if (!prices || !usage) return null;
  const image = usage.inputImageTokens ?? 0;
  return Math.round((usage.inputTokens - image) * prices.textInput + image * prices.imageInput + usage.outputTokens * prices.imageOutput);
}

export function jobReport(rec: JobRecord): JobReport {
  const cost = upstreamCostOf(rec);
  return {
    provider: rec.provider,
    images: rec.files.length,
    ms: Math.max(0, (rec.completedAt ?? rec.createdAt) - rec.createdAt),
    cost,
    usdMicros: usdMicrosOf(CATALOGUE[rec.spec.model].tokenPrices, cost.usage),
  };
}

/** The job index names how a job ended in its own words; tsc checks that they are job statuses. */
const ended = (status: JobStatus): status is EndedStatus => isTerminal(status);

/** Called once the job has ended. */
export function settleJob(env: Env, rec: JobRecord): Promise<void> {
  if (!ended(rec.status)) throw new Error(`job ${rec.id} is settled before it ended (${rec.status})`);
  const perImage = rec.creditCost / rec.spec.quantity;
  const charge = rec.status === "COMPLETED" ? perImage * rec.files.length : 0;
  return accountStub(env, rec.accountId).settle(rec.id, rec.status, charge, jobReport(rec));
}
