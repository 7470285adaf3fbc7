import type { Env } from "../env";
import type { AccountDO } from "./account-do";

/** The AccountDO's RPC methods as callers see them. */
export type AccountClient = Pick<
  AccountDO,
  "admit" | "admitted" | "release" | "reserveUpload" | "settleUpload" | "releaseUpload" | "settle" | "grant" | "revokeKey" | "ledger" | "view" | "rotateWebhookSecret" | "webhookSecrets" | "listJobs" | "setBudget" | "usage"
>;

export const accountStub = (env: Env, accountId: string): AccountClient =>
  env.ACCOUNTS.get(env.ACCOUNTS.idFromName(accountId)) as unknown as AccountClient;
