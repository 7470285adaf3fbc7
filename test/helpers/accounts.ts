import { SELF, env, runInDurableObject } from "cloudflare:test";
import { expect } from "vitest";
import type { Ledger } from "../../src/accounts/ledger";
import { BASE } from "./api";

// Accounts for the workerd tests: admin calls, a fresh account with its own key and credits, and its ledger.

export const ADMIN_TOKEN = env.ADMIN_TOKEN!;

export function adminApi(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const token = init.token === undefined ? ADMIN_TOKEN : init.token;
  if (token !== null) headers.set("authorization", `Bearer ${token}`);
  if (typeof init.body === "string" && !headers.has("content-type")) headers.set("content-type", "application/json");
  return SELF.fetch(`${BASE}/admin${path}`, { ...init, headers });
}

export interface TestAccount {
  key: string;
  keyId: string;
  accountId: string;
}

/** A new key (on a new account unless `accountId` is given) holding `credits`. */
export async function mintAccount(opts: { credits?: number; requestsPerMinute?: number; accountId?: string } = {}): Promise<TestAccount> {
  const body = {
    name: "test",
    ...(opts.accountId ? { accountId: opts.accountId } : {}),
    ...(opts.requestsPerMinute ? { rateLimit: { requestsPerMinute: opts.requestsPerMinute } } : {}),
  };
  const res = await adminApi("/keys", { method: "POST", body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST /admin/keys answered ${res.status}: ${await res.text()}`);
  const minted = (await res.json()) as { id: string; key: string; accountId: string };
  if (opts.credits) await grant(minted.accountId, opts.credits);
  return { key: minted.key, keyId: minted.id, accountId: minted.accountId };
}

export async function grant(accountId: string, amount: number): Promise<void> {
  const res = await adminApi(`/accounts/${accountId}/credits`, { method: "POST", body: JSON.stringify({ amount }) });
  if (res.status !== 200) throw new Error(`credits answered ${res.status}: ${await res.text()}`);
}

export const accountOf = (accountId: string) => env.ACCOUNTS.get(env.ACCOUNTS.idFromName(accountId));

export const ledgerOf = (accountId: string): Promise<Ledger> => accountOf(accountId).ledger();

/** The job's status in its account's index: ACTIVE until the account has applied the job's settlement. */
export const indexedStatus = (accountId: string, jobId: string): Promise<string | undefined> =>
  runInDurableObject(accountOf(accountId), (_instance, state) =>
    state.storage.sql.exec<{ status: string }>("SELECT status FROM jobs WHERE id = ?", jobId).toArray()[0]?.status);

/**
 * The ledger, checked against the account's own rows: granted = balance + reserved + spent, nothing negative,
 * reserved = what ACTIVE jobs hold, spent = what ended jobs were charged.
 */
export async function checkedLedger(accountId: string): Promise<Ledger> {
  const { ledger, held, charged } = await runInDurableObject(accountOf(accountId), (_instance, state) => {
    const sql = state.storage.sql;
    return {
      ledger: sql.exec<Ledger>("SELECT granted, balance, reserved, spent FROM ledger").one(),
      held: sql.exec<{ n: number }>("SELECT COALESCE(SUM(reserved), 0) AS n FROM jobs WHERE status = 'ACTIVE'").one().n,
      charged: sql.exec<{ n: number }>("SELECT COALESCE(SUM(charged), 0) AS n FROM jobs").one().n,
    };
  });
  expect(ledger.granted).toBe(ledger.balance + ledger.reserved + ledger.spent);
  expect(ledger.balance).toBeGreaterThanOrEqual(0);
  expect(ledger.reserved).toBe(held);
  expect(ledger.spent).toBe(charged);
  return ledger;
}
