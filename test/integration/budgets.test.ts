import { afterEach, describe, expect, it, vi } from "vitest";
import { periodOf, type BudgetState } from "../../src/accounts/budget";
import { api, createJob } from "../helpers/api";
import { adminApi, checkedLedger, mintAccount, type TestAccount } from "../helpers/accounts";
import { activeModel, jobBody } from "../helpers/models";

// Per-key budgets (POST/PATCH /admin/keys): reservations count toward them inside the AccountDO's admission, so a burst
// cannot pass one; a create beyond it is a 402 in each surface's envelope; a period's end starts the budget afresh.

const body = (prompt: string) => jobBody(activeModel(), { prompt, provider: "sandbox" }, { quality: "low" });
const post = (prompt: string, key: string) => api("/v2/images/generate", { method: "POST", body: JSON.stringify(body(prompt)), key });

async function setBudget(keyId: string, budget: { credits: number; period: string } | null): Promise<BudgetState | null> {
  const res = await adminApi(`/keys/${keyId}`, { method: "PATCH", body: JSON.stringify({ budget }) });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { budget: BudgetState | null }).budget;
}

/** A key on a funded account, and the price of one job of `body`, learnt from the job it leaves running. */
async function pricedKey(): Promise<TestAccount & { price: number }> {
  const acct = await mintAccount({ credits: 100_000 });
  await createJob(body("budget: price"), acct.key);
  return { ...acct, price: (await checkedLedger(acct.accountId)).reserved };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("key budgets", () => {
  it("admits exactly N of a burst when the budget pays for exactly N", async () => {
    const N = 4;
    const acct = await pricedKey();
    // The running job's reservation counts too: the budget leaves room for exactly N more.
    const state = await setBudget(acct.keyId, { credits: (N + 1) * acct.price, period: "day" });
    expect(state).toMatchObject({ used: acct.price, remaining: N * acct.price });
    const results = await Promise.all(Array.from({ length: N + 4 }, (_, i) => post(`budget: burst ${i}`, acct.key)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(N).fill(202), ...Array(4).fill(402)]);
    const refused = (await results.find((r) => r.status === 402)!.json()) as Record<string, any>;
    const resetsAt = new Date(periodOf("day", Date.now()).end).toISOString();
    expect(refused).toMatchObject({
      code: "insufficient_credits",
      creditsRequired: acct.price,
      creditsAvailable: 0,
      budget: { keyId: acct.keyId, credits: (N + 1) * acct.price, period: "day", remaining: 0, resetsAt },
    });
    expect(refused.detail).toContain(`key ${acct.keyId}'s budget of ${(N + 1) * acct.price} credits a day (UTC) has 0 left; it resets at ${resetsAt}`);
    // The account could pay for far more: only the budget held the burst.
    const ledger = await checkedLedger(acct.accountId);
    expect(ledger.reserved).toBe((N + 1) * acct.price);
    const me = (await (await api("/v2/me", { key: acct.key })).json()) as { budgets: BudgetState[] };
    expect(me.budgets).toEqual([{ keyId: acct.keyId, credits: (N + 1) * acct.price, period: "day", used: (N + 1) * acct.price, remaining: 0, resetsAt }]);
  });

  it("binds one key only, and lifts when removed", async () => {
    const acct = await pricedKey();
    const other = await mintAccount({ accountId: acct.accountId });
    await setBudget(acct.keyId, { credits: acct.price, period: "month" });
    expect((await post("budget: over", acct.key)).status).toBe(402);
    expect((await post("budget: other key", other.key)).status).toBe(202);
    expect(await setBudget(acct.keyId, null)).toBeNull();
    expect((await post("budget: lifted", acct.key)).status).toBe(202);
  });

  it("is set at creation, before the key's first create", async () => {
    const res = await adminApi("/keys", { method: "POST", body: JSON.stringify({ name: "budgeted", budget: { credits: 0, period: "day" } }) });
    expect(res.status).toBe(201);
    const minted = (await res.json()) as { id: string; key: string; accountId: string };
    await adminApi(`/accounts/${minted.accountId}/credits`, { method: "POST", body: JSON.stringify({ amount: 1_000 }) });
    expect((await post("budget: zero", minted.key)).status).toBe(402);
    expect((await checkedLedger(minted.accountId)).reserved).toBe(0);
  });

  it("answers 402 in the OpenAI and Leonardo envelopes, naming the budget", async () => {
    const acct = await pricedKey();
    await setBudget(acct.keyId, { credits: acct.price, period: "day" });
    const entry = activeModel();
    const openai = await api("/v1/images/generations", { method: "POST", key: acct.key, body: JSON.stringify({ model: entry.id, prompt: "budget: openai", quality: "low" }) });
    expect(openai.status).toBe(402);
    const oe = (await openai.json()) as { error: { type: string; message: string } };
    expect(oe.error.type).toBe("insufficient_quota");
    expect(oe.error.message).toContain(`key ${acct.keyId}'s budget of ${acct.price} credits a day (UTC) has 0 left`);
    const leonardo = await api("/api/rest/v2/generations", { method: "POST", key: acct.key, body: JSON.stringify({ model: entry.leonardoId, parameters: { prompt: "budget: leonardo", quality: "LOW", quantity: 1 } }) });
    expect(leonardo.status).toBe(402);
    const le = (await leonardo.json()) as { error: string; code: string };
    expect(le.error).toContain("resets at");
    expect(le.code).toBe("insufficient-credits");
  });

  it.each(["day", "month"] as const)("starts afresh at the %s's end (clock injected)", async (period) => {
    const acct = await pricedKey();
    const { end } = periodOf(period, Date.now());
    vi.useFakeTimers({ toFake: ["Date"], now: end - 60_000 });
    // The running job was admitted in this period; the budget has room for one more.
    await setBudget(acct.keyId, { credits: 2 * acct.price, period });
    expect((await post("budget: last of the period", acct.key)).status).toBe(202);
    const over = await post("budget: over", acct.key);
    expect(over.status).toBe(402);
    expect(await over.json()).toMatchObject({ budget: { resetsAt: new Date(end).toISOString(), remaining: 0 } });
    vi.setSystemTime(end);
    expect((await post("budget: next period", acct.key)).status).toBe(202);
    const me = (await (await api("/v2/me", { key: acct.key })).json()) as { budgets: BudgetState[] };
    expect(me.budgets[0]).toMatchObject({ used: acct.price, remaining: acct.price, resetsAt: new Date(periodOf(period, end).end).toISOString() });
  });

  it("refuses a bad budget and an unknown key", async () => {
    const acct = await mintAccount();
    for (const budget of [{ credits: -1, period: "day" }, { credits: 5, period: "week" }, { credits: 5 }]) {
      const res = await adminApi(`/keys/${acct.keyId}`, { method: "PATCH", body: JSON.stringify({ budget }) });
      expect(res.status).toBe(400);
    }
    expect((await adminApi("/keys/key_nope", { method: "PATCH", body: JSON.stringify({ budget: null }) })).status).toBe(404);
  });
});

describe("budget periods", () => {
  it("are UTC days and calendar months, a year's end included", () => {
    const at = Date.UTC(2030, 11, 31, 23, 59, 59);
    expect(periodOf("day", at)).toEqual({ start: Date.UTC(2030, 11, 31), end: Date.UTC(2031, 0, 1) });
    expect(periodOf("month", at)).toEqual({ start: Date.UTC(2030, 11, 1), end: Date.UTC(2031, 0, 1) });
    expect(periodOf("month", Date.UTC(2032, 1, 29, 12))).toEqual({ start: Date.UTC(2032, 1, 1), end: Date.UTC(2032, 2, 1) });
    expect(periodOf("day", Date.UTC(2030, 5, 1))).toEqual({ start: Date.UTC(2030, 5, 1), end: Date.UTC(2030, 5, 2) });
  });
});
