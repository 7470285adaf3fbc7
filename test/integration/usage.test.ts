import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../../src/catalogue";
import { usdMicrosOf } from "../../src/jobs/settle";
import type { Usage } from "../../src/accounts/usage.docs";
import { api, createJob, fireAlarm, patchJob, runToEnd, storedJob } from "../helpers/api";
import { adminApi, checkedLedger, mintAccount } from "../helpers/accounts";
import { activeModel, jobBody } from "../helpers/models";
import { driveToEnd, resetCircuits } from "../helpers/upstream";
import { tag } from "../sim/testing";

// GET /v2/usage (and GET /admin/usage): rows summed from each account's ledger, so they agree with it exactly;
// another account's jobs never show; a revoked key's jobs still do.

async function usage(key: string, query = ""): Promise<Usage> {
  const res = await api(`/v2/usage${query}`, { key });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Usage;
}

const sandboxJob = (prompt: string, n = 1) => jobBody(activeModel(), { prompt, provider: "sandbox" }, { quality: "low", number_of_images: n });

describe("GET /v2/usage", () => {
  it("agrees with the ledger after a mixed run: completed, fanned out, failed, cancelled and running", async () => {
    await resetCircuits();
    const t = tag();
    const first = await mintAccount({ credits: 10_000 });
    const second = await mintAccount({ accountId: first.accountId });
    const done = await createJob(sandboxJob(`usage done ${t}`, 2), first.key);
    await runToEnd(done);
    // Six images fan out into two OpenAI calls (4 per call in the tests), each reporting its token usage.
    const openaiModel = activeModel(["openai"]);
    const fan = await createJob(jobBody(openaiModel, { prompt: `usage fan ${t}`, provider: "openai" }, { quality: "low", number_of_images: 6, output_format: "png" }), second.key);
    const fanned = await driveToEnd(fan, t);
    expect(fanned.status).toBe("COMPLETED");
    const failed = await createJob(sandboxJob(`usage failed ${t}`), first.key);
    await patchJob(failed, (r) => ({ ...r, deadlineAt: Date.now() - 1 }));
    await fireAlarm(failed);
    expect((await storedJob(failed)).status).toBe("FAILED");
    const cancelled = await createJob(sandboxJob(`usage cancelled ${t}`), first.key);
    expect((await api(`/v2/jobs/${cancelled}/cancel`, { method: "POST", key: first.key })).status).toBe(200);
    await createJob(sandboxJob(`usage running ${t}`), first.key);

    const ledger = await checkedLedger(first.accountId);
    const byKey = await usage(first.key, "?groupBy=key");
    expect(byKey.totals.credits).toEqual({
      reserved: byKey.totals.credits.held + ledger.spent + byKey.totals.credits.refunded,
      held: ledger.reserved,
      spent: ledger.spent,
      refunded: expect.any(Number),
    });
    expect(byKey.totals.credits.refunded).toBeGreaterThan(0);
    expect(byKey.totals.jobs).toEqual({ total: 5, active: 1, completed: 2, failed: 1, cancelled: 1 });
    expect(byKey.totals.images).toBe(8);
    const tokens = fanned.attempts.reduce((sum, a) => sum + (a.cost?.usage?.totalTokens ?? 0), 0);
    expect(tokens).toBeGreaterThan(0);
    expect(byKey.totals.upstream.usage?.totalTokens).toBe(tokens);
    // The USD estimate: the tokens OpenAI reported (with their image part) at the model's list prices.
    const calls = fanned.attempts.flatMap((a) => (a.cost?.usage ? [a.cost.usage] : []));
    expect(calls.every((u) => u.inputImageTokens !== undefined)).toBe(true);
    const prices = CATALOGUE[openaiModel.id].tokenPrices;
    const micros = calls.reduce((sum, u) => sum + usdMicrosOf(prices, u)!, 0);
    expect(byKey.totals.upstream.usdEstimate).toBe(prices ? micros / 1e6 : null);
    expect(byKey.rows.find((r) => r.key === first.keyId)?.upstream.usdEstimate).toBeNull();
    expect(byKey.totals.jobTimeMs.p50).not.toBeNull();

    // Per key: the fanned-out job is the second key's, charged what its JobDO delivered.
    const rows = new Map(byKey.rows.map((r) => [r.key, r]));
    expect([...rows.keys()].sort()).toEqual([first.keyId, second.keyId].sort());
    expect(rows.get(second.keyId)).toMatchObject({ jobs: { total: 1, completed: 1 }, images: 6, credits: { spent: fanned.creditCost } });
    expect(rows.get(first.keyId)!.credits.spent + fanned.creditCost).toBe(ledger.spent);

    // Any grouping sums to the same totals.
    const byModelProvider = await usage(first.key, "?groupBy=model,provider");
    expect(byModelProvider.totals).toEqual(byKey.totals);
    expect(byModelProvider.rows.reduce((s, r) => s + r.credits.spent, 0)).toBe(ledger.spent);
    expect(byModelProvider.rows.find((r) => r.provider === "openai")).toMatchObject({ model: openaiModel.id, images: 6 });

    // The costliest jobs link to their JSON.
    expect(byKey.costliestJobs[0]).toMatchObject({ url: `/v2/jobs/${byKey.costliestJobs[0]!.id}` });
    expect(byKey.costliestJobs.map((j) => j.id)).toContain(fan);

    // The same rows as CSV.
    const csv = await api("/v2/usage?groupBy=key", { key: first.key, headers: { accept: "text/csv" } });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trimEnd().split("\r\n");
    const header = lines[0]!.split(",");
    expect(header.slice(0, 2)).toEqual(["key", "jobs_total"]);
    const spentAt = header.indexOf("credits_spent");
    expect(lines.slice(1).reduce((s, line) => s + Number(line.split(",")[spentAt]), 0)).toBe(ledger.spent);
    expect(lines).toHaveLength(3);
  });

  it("never shows another account's jobs, and answers 404 for another account's key", async () => {
    const mine = await mintAccount({ credits: 1_000 });
    const theirs = await mintAccount({ credits: 1_000 });
    await runToEnd(await createJob(sandboxJob("usage: theirs"), theirs.key));
    const empty = await usage(mine.key);
    expect(empty.totals.jobs.total).toBe(0);
    expect(empty.rows).toEqual([]);
    const res = await api(`/v2/usage?key=${theirs.keyId}`, { key: mine.key });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "not_found" });
    expect((await api("/v2/usage?key=key_doesnotexist00", { key: mine.key })).status).toBe(404);
    expect((await usage(theirs.key, `?key=${theirs.keyId}`)).totals.jobs.total).toBe(1);
  });

  it("keeps a revoked key's history", async () => {
    const keeper = await mintAccount({ credits: 1_000 });
    const gone = await mintAccount({ accountId: keeper.accountId });
    const rec = await runToEnd(await createJob(sandboxJob("usage: revoked"), gone.key));
    expect((await adminApi(`/keys/${gone.keyId}`, { method: "DELETE" })).status).toBe(204);
    const u = await usage(keeper.key, `?key=${gone.keyId}&groupBy=day,key`);
    expect(u.rows).toEqual([expect.objectContaining({ key: gone.keyId, jobs: expect.objectContaining({ completed: 1 }), credits: expect.objectContaining({ spent: rec.creditCost }) })]);
    expect((await api("/v2/usage", { key: gone.key })).status).toBe(401);
  });

  it("filters by status and refuses bad ranges and groupings", async () => {
    const acct = await mintAccount({ credits: 1_000 });
    await runToEnd(await createJob(sandboxJob("usage: status"), acct.key));
    await createJob(sandboxJob("usage: status running"), acct.key);
    expect((await usage(acct.key, "?status=COMPLETED")).totals.jobs).toMatchObject({ total: 1, completed: 1 });
    expect((await usage(acct.key, "?status=ACTIVE")).totals.jobs).toMatchObject({ total: 1, active: 1 });
    const day = new Date().toISOString().slice(0, 10);
    const later = new Date(Date.parse(day) + 94 * 86_400_000).toISOString().slice(0, 10);
    for (const q of [`?from=${day}&to=${later}`, `?from=${later}&to=${day}`, "?groupBy=week", "?groupBy=day,day", "?groupBy=day,model,key", "?from=yesterday"]) {
      const res = await api(`/v2/usage${q}`, { key: acct.key });
      expect(res.status, q).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    const yesterday = new Date(Date.parse(day) - 86_400_000).toISOString().slice(0, 10);
    expect((await usage(acct.key, `?from=${yesterday}&to=${yesterday}`)).totals.jobs.total).toBe(0);
    expect((await usage(acct.key, `?from=${day}&to=${day}`)).rows).toEqual([expect.objectContaining({ day })]);
  });
});

describe("GET /admin/usage", () => {
  it("gives the same rows across accounts, grouped by account", async () => {
    const a = await mintAccount({ credits: 1_000 });
    const b = await mintAccount({ credits: 1_000 });
    await runToEnd(await createJob(sandboxJob("admin usage a"), a.key));
    await runToEnd(await createJob(sandboxJob("admin usage b", 2), b.key));
    const res = await adminApi("/usage?groupBy=account");
    expect(res.status).toBe(200);
    const all = (await res.json()) as Usage;
    const rows = new Map(all.rows.map((r) => [r.account, r]));
    for (const acct of [a, b]) {
      const own = await usage(acct.key);
      expect(rows.get(acct.accountId)).toMatchObject({ jobs: own.totals.jobs, credits: own.totals.credits, images: own.totals.images });
      expect(own.totals.credits.spent).toBe((await checkedLedger(acct.accountId)).spent);
    }
    const one = (await (await adminApi(`/usage?accountId=${b.accountId}&groupBy=model`)).json()) as Usage;
    expect(one.totals.images).toBe(2);
    expect((await adminApi(`/usage?key=${a.keyId}`).then((r) => r.json() as Promise<Usage>)).totals.images).toBe(1);
    expect((await adminApi("/usage", { token: "wrong" })).status).toBe(401);
  });
});
