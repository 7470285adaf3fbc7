import type { Env } from "../env";
import type { JobRecord } from "../jobs/record";
import { accountStub } from "./account-stub";

// What an ended job owes: the images it delivered at the price per image reserved at admission (so a change of
// CREDIT_PRICES while it ran cannot charge it differently, and never more than was reserved); FAILED and CANCELLED
// owe nothing. The JobDO calls this until it succeeds; the AccountDO applies it once per job.

export function settleJob(env: Env, rec: JobRecord): Promise<void> {
  const perImage = rec.creditCost / rec.spec.quantity;
  const charge = rec.status === "COMPLETED" ? perImage * rec.files.length : 0;
  return accountStub(env, rec.accountId).settle(rec.id, rec.status, charge);
}
