import { CATALOGUE, creditCost } from "../catalogue";
import type { Env } from "../env";
import type { JobRecord } from "../jobs/record";
import { accountStub } from "./account-stub";

// What an ended job owes: the catalogue price of the images it delivered (never more than was reserved);
// FAILED and CANCELLED owe nothing. The JobDO calls this until it succeeds; the AccountDO applies it once per job.

export function settleJob(env: Env, rec: JobRecord): Promise<void> {
  const charge = rec.status === "COMPLETED" ? creditCost(CATALOGUE[rec.spec.model], rec.spec.quality, rec.files.length) : 0;
  return accountStub(env, rec.accountId).settle(rec.id, rec.status, charge);
}
