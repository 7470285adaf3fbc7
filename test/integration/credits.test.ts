import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMISSION_GRACE_MS } from "../../src/accounts/account-do";
import type { JobRecord } from "../../src/jobs/record";
import { api, createJob, fireAlarm, jobStubOf, patchJob, runToEnd, storedJob } from "../helpers/api";
import { accountOf, checkedLedger, grant, indexedStatus, ledgerOf, mintAccount } from "../helpers/accounts";

// The credit ledger (SPEC §5, §7): reserve at admission, settle on the images delivered, refund on FAILED and
// CANCELLED, never negative, never twice; granted = balance + reserved + spent after every path.

const LOW = 4; // gpt-image-2, quality low, per image (catalogue)
const MEDIUM = 9;
const body = (prompt: string, n = 1, quality = "low") => ({ prompt, model: "gpt-image-2", gptImage2Params: { quality, number_of_images: n } });
const post = (b: unknown, key: string) => api("/v2/images/generate", { method: "POST", body: JSON.stringify(b), key });

async function problem(res: Response, status: number): Promise<Record<string, any>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as Record<string, any>;
}

/** Ends a job as a crash would leave it: terminal in storage, the account never told, an alarm pending. */
async function endUnsettled(jobId: string, patch: (r: JobRecord) => JobRecord): Promise<void> {
  await patchJob(jobId, (r) => ({ ...patch(r), step: { kind: "end" }, wakeAt: null, completedAt: Date.now() }));
  await runInDurableObject(jobStubOf(jobId), (_i, state) => state.storage.setAlarm(Date.now() + 60_000));
}

describe("credits", () => {
  it("reserves the catalogue price at admission and spends it on completion", async () => {
    const { key, accountId } = await mintAccount({ credits: 100 });
    const jobId = await createJob(body("credits: complete", 2, "medium"), key);
    expect(await checkedLedger(accountId)).toEqual({ granted: 100, balance: 100 - 2 * MEDIUM, reserved: 2 * MEDIUM, spent: 0 });
    const rec = await runToEnd(jobId);
    expect(rec.status).toBe("COMPLETED");
    expect(await checkedLedger(accountId)).toEqual({ granted: 100, balance: 100 - 2 * MEDIUM, reserved: 0, spent: 2 * MEDIUM });
    const me = (await (await api("/v2/me", { key })).json()) as any;
    expect(me.credits).toEqual({ granted: 100, balance: 82, reserved: 0, spent: 18 });
  });

  it("refunds a job that times out", async () => {
    const { key, accountId } = await mintAccount({ credits: 10 });
    const jobId = await createJob(body("credits: timeout"), key);
    expect((await ledgerOf(accountId)).reserved).toBe(LOW);
    await patchJob(jobId, (r) => ({ ...r, deadlineAt: Date.now() - 1 }));
    await fireAlarm(jobId);
    const rec = await storedJob(jobId);
    expect(rec.status).toBe("FAILED");
    expect(rec.errorCode).toBe("timeout");
    expect(await checkedLedger(accountId)).toEqual({ granted: 10, balance: 10, reserved: 0, spent: 0 });
  });

  it.each(["FAILED", "CANCELLED"] as const)("refunds a %s job, settled by the JobDO's alarm after a crash", async (status) => {
    const { key, accountId } = await mintAccount({ credits: 10 });
    const jobId = await createJob(body(`credits: ${status}`), key);
    await endUnsettled(jobId, (r) => ({ ...r, status, error: "ended", errorCode: status === "FAILED" ? "provider_error" : "cancelled" }));
    expect((await ledgerOf(accountId)).reserved).toBe(LOW);
    expect(await fireAlarm(jobId)).toBe(true);
    expect(await checkedLedger(accountId)).toEqual({ granted: 10, balance: 10, reserved: 0, spent: 0 });
    expect(await indexedStatus(accountId, jobId)).toBe(status);
    expect(await fireAlarm(jobId)).toBe(false);
  });

  it("charges only the images delivered", async () => {
    const { key, accountId } = await mintAccount({ credits: 40 });
    const jobId = await createJob(body("credits: partial", 3), key);
    const done = await runToEnd(jobId);
    expect(done.files).toHaveLength(3);
    const other = await createJob(body("credits: partial two", 3), key);
    await endUnsettled(other, (r) => ({ ...r, status: "COMPLETED", files: done.files.slice(0, 1) }));
    await fireAlarm(other);
    expect(await checkedLedger(accountId)).toEqual({ granted: 40, balance: 40 - 3 * LOW - LOW, reserved: 0, spent: 3 * LOW + LOW });
  });

  it("settles a job once, however often the JobDO asks", async () => {
    const { key, accountId } = await mintAccount({ credits: 10 });
    const jobId = await createJob(body("credits: twice"), key);
    await runToEnd(jobId);
    const after = await checkedLedger(accountId);
    await accountOf(accountId).settle(jobId, "COMPLETED", LOW);
    await accountOf(accountId).settle(jobId, "FAILED", 0);
    await accountOf(accountId).release(jobId);
    expect(await checkedLedger(accountId)).toEqual(after);
    expect(after).toEqual({ granted: 10, balance: 6, reserved: 0, spent: 4 });
  });

  it("keeps retrying a settlement the account did not acknowledge", async () => {
    const { key, accountId } = await mintAccount({ credits: 10 });
    const jobId = await createJob(body("credits: retry"), key);
    await endUnsettled(jobId, (r) => ({ ...r, status: "COMPLETED", files: [] }));
    // The account refuses the settlement call, as an unreachable account would.
    const account = env.ACCOUNTS.get(env.ACCOUNTS.idFromName(accountId));
    await runInDurableObject(account, (instance) => {
      Object.assign(instance, { settle: async () => Promise.reject(new Error("test: the account is unreachable")) });
    });
    expect(await fireAlarm(jobId)).toBe(true);
    expect(await indexedStatus(accountId, jobId)).toBe("ACTIVE");
    expect(await runInDurableObject(jobStubOf(jobId), (_i, state) => state.storage.getAlarm())).not.toBeNull();
    expect((await ledgerOf(accountId)).reserved).toBe(LOW);
    await runInDurableObject(account, (instance) => {
      delete (instance as { settle?: unknown }).settle;
    });
    expect(await fireAlarm(jobId)).toBe(true);
    expect(await checkedLedger(accountId)).toEqual({ granted: 10, balance: 10, reserved: 0, spent: 0 });
  });

  it("answers 402 with creditsRequired and creditsAvailable, reserving nothing", async () => {
    const { key, accountId } = await mintAccount({ credits: 5 });
    const res = await post(body("credits: short", 2), key);
    const p = await problem(res, 402);
    expect(p).toMatchObject({ code: "insufficient_credits", creditsRequired: 2 * LOW, creditsAvailable: 5 });
    expect(res.headers.get("ratelimit-limit")).toBe("60");
    expect(await checkedLedger(accountId)).toEqual({ granted: 5, balance: 5, reserved: 0, spent: 0 });
    expect(((await (await api("/v2/jobs", { key })).json()) as any).data).toEqual([]);
  });

  it("charges nothing when a request fails before the account", async () => {
    const { key, accountId } = await mintAccount({ credits: 10 });
    await problem(await post({ prompt: "credits: invalid", model: "gpt-image-2", gptImage2Params: { quality: "ultra" } }, key), 400);
    // Leonardo has no transparent background: asked for it alone, no provider can serve the job.
    const transparent = { prompt: "credits: no provider", model: "gpt-image-2", gptImage2Params: { quality: "low", background: "transparent", output_format: "png" } };
    await problem(await post({ ...transparent, provider: "leonardo" }, key), 422);
    await problem(await post({ ...body("credits: bad ref"), gptImage2Params: { input_images: ["upl_000000000000000000000000"] } }, key), 400);
    expect(await checkedLedger(accountId)).toEqual({ granted: 10, balance: 10, reserved: 0, spent: 0 });
  });

  it("admits exactly one of five concurrent creates when the credits pay for one", async () => {
    const { key, accountId } = await mintAccount({ credits: LOW });
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => post(body(`credits: race ${i}`), key)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([202, 402, 402, 402, 402]);
    for (const r of results.filter((r) => r.status === 402)) {
      expect(await r.json()).toMatchObject({ creditsRequired: LOW, creditsAvailable: 0 });
    }
    expect(await checkedLedger(accountId)).toEqual({ granted: LOW, balance: 0, reserved: LOW, spent: 0 });
  });

  it("releases a reservation whose JobDO was never made, and keeps one whose JobDO exists", async () => {
    const { keyId, key, accountId } = await mintAccount({ credits: 20 });
    const account = accountOf(accountId);
    const lost = crypto.randomUUID();
    const gate = await account.admit({ keyId, requestsPerMinute: 60, jobId: lost, model: "gpt-image-2", cost: LOW, fetches: 0, idempotency: { key: "lost", bodyHash: "h" } });
    expect(gate.kind).toBe("reserved");
    const kept = await createJob(body("credits: kept"), key);
    expect(await checkedLedger(accountId)).toMatchObject({ balance: 20 - 2 * LOW, reserved: 2 * LOW });
    // Both look like requests that died mid-admission once the grace period has passed.
    await runInDurableObject(account, (_i, state) => {
      state.storage.sql.exec("UPDATE jobs SET admitting = 1, created = created - ?", ADMISSION_GRACE_MS + 1000);
    });
    expect(await runDurableObjectAlarm(account)).toBe(true);
    expect(await checkedLedger(accountId)).toMatchObject({ balance: 20 - LOW, reserved: LOW });
    const ids = ((await (await api("/v2/jobs", { key })).json()) as any).data.map((j: { id: string }) => j.id);
    expect(ids).toEqual([kept]);
    // The lost admission's idempotency record is gone too, so the key can be used again.
    const again = await account.admit({ keyId, requestsPerMinute: 60, jobId: crypto.randomUUID(), model: "gpt-image-2", cost: LOW, fetches: 0, idempotency: { key: "lost", bodyHash: "h" } });
    expect(again.kind).toBe("reserved");
  });

  it("tops up: a job refused for credits is admitted after a grant", async () => {
    const { key, accountId } = await mintAccount({ credits: 1 });
    await problem(await post(body("credits: top up"), key), 402);
    await grant(accountId, LOW);
    expect((await post(body("credits: top up"), key)).status).toBe(202);
    expect(await checkedLedger(accountId)).toEqual({ granted: 1 + LOW, balance: 1, reserved: LOW, spent: 0 });
  });
});
