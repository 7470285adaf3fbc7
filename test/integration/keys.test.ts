import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { adminRoutes } from "../../src/surfaces/admin/routes";
import { DEV_ACCOUNT_ID, DEV_CREDITS, resolveKey } from "../../src/accounts/keys";
import { sha256Hex } from "../../src/lib/crypto";
import { api, createJob, DEV_KEY } from "../helpers/api";
import { accountOf, adminApi, checkedLedger, mintAccount } from "../helpers/accounts";

// API keys and the admin API: minting, use in both header forms, revocation, hashes only in KV, the admin guard.

const job = (prompt: string) => ({ prompt, model: "gpt-image-2", gptImage2Params: { quality: "low" } });

async function problem(res: Response, status: number): Promise<Record<string, any>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as Record<string, any>;
}

async function allKvValues(): Promise<{ name: string; value: string }[]> {
  const out: { name: string; value: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await env.KEYS.list({ cursor });
    for (const k of page.keys) out.push({ name: k.name, value: (await env.KEYS.get(k.name)) ?? "" });
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return out;
}

describe("admin: keys", () => {
  it("mints a key shown once, in the development format, on a new account", async () => {
    const res = await adminApi("/keys", { method: "POST", body: JSON.stringify({ name: "mobile app" }) });
    expect(res.status).toBe(201);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as { id: string; key: string; accountId: string };
    expect(Object.keys(body).sort()).toEqual(["accountId", "id", "key"]);
    expect(body.key).toMatch(/^ig_test_[0-9A-Za-z]{32}$/);
    expect(body.id).toMatch(/^key_[0-9A-Za-z]{24}$/);
    expect(body.accountId).toMatch(/^acct_[0-9A-Za-z]{24}$/);
    const again = (await (await adminApi("/keys", { method: "POST", body: JSON.stringify({ name: "mobile app" }) })).json()) as typeof body;
    expect(again.key).not.toBe(body.key);
    expect(again.accountId).not.toBe(body.accountId);
  });

  it("stores only the key's SHA-256 in KV, with its account, scopes and limit", async () => {
    const { key, keyId, accountId } = await mintAccount({ requestsPerMinute: 7 });
    const hash = await sha256Hex(key);
    const stored = await env.KEYS.get<Record<string, unknown>>(`key:${hash}`, "json");
    expect(stored).toMatchObject({ hash, accountId, keyId, name: "test", scopes: ["images"], rateLimit: { requestsPerMinute: 7 }, created: expect.any(Number) });
    for (const { name, value } of await allKvValues()) {
      expect(name).not.toContain(key);
      expect(value).not.toContain(key);
      expect(value).not.toContain(key.slice(8));
    }
  });

  it("accepts a minted key as Bearer and as X-API-Key, on its own account", async () => {
    const { key, accountId } = await mintAccount({ credits: 50 });
    const viaBearer = await api("/v2/me", { key });
    expect(viaBearer.status).toBe(200);
    expect(await viaBearer.json()).toMatchObject({ accountId, credits: { balance: 50 } });
    const viaHeader = await api("/v2/me", { key: null, headers: { "x-api-key": key } });
    expect(((await viaHeader.json()) as { accountId: string }).accountId).toBe(accountId);
    const jobId = await createJob(job("keys: use"), key);
    expect((await api(`/v2/jobs/${jobId}`, { key })).status).toBe(200);
  });

  it("adds a second key to an existing account when accountId is given", async () => {
    const first = await mintAccount({ credits: 20 });
    const second = await mintAccount({ accountId: first.accountId });
    expect(second.accountId).toBe(first.accountId);
    expect(((await (await api("/v2/me", { key: second.key })).json()) as any).credits.balance).toBe(20);
  });

  it("revokes a key: 401 everywhere at once, its account refuses it, and other keys go on working", async () => {
    const a = await mintAccount({ credits: 20 });
    const b = await mintAccount({ accountId: a.accountId });
    const jobId = await createJob(job("keys: before revocation"), a.key);
    const res = await adminApi(`/keys/${a.keyId}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    expect((await problem(await api(`/v2/jobs/${jobId}`, { key: a.key }), 401)).code).toBe("unauthorized");
    expect((await problem(await api("/v2/images/generate", { method: "POST", body: JSON.stringify(job("keys: after")), key: a.key }), 401)).code).toBe("unauthorized");
    expect(await env.KEYS.get(`key:${await sha256Hex(a.key)}`)).toBeNull();
    // An isolate that still trusts a cached record is stopped by the account itself.
    const gate = await accountOf(a.accountId).admit({ keyId: a.keyId, requestsPerMinute: 60, jobId: crypto.randomUUID(), model: "gpt-image-2", cost: 4, fetches: 0, idempotency: null });
    expect(gate).toEqual({ kind: "revoked" });
    expect(await accountOf(a.accountId).view(a.keyId)).toBeNull();
    expect((await api(`/v2/jobs/${jobId}`, { key: b.key })).status).toBe(200);
    expect((await problem(await adminApi(`/keys/${a.keyId}`, { method: "DELETE" }), 404)).code).toBe("not_found");
    await checkedLedger(a.accountId);
  });

  it("404s revoking a key that does not exist", async () => {
    expect((await problem(await adminApi("/keys/key_nope", { method: "DELETE" }), 404)).code).toBe("not_found");
  });

  it("validates admin bodies in problem+json", async () => {
    const missing = await problem(await adminApi("/keys", { method: "POST", body: "{}" }), 400);
    expect(missing.errors).toEqual([expect.objectContaining({ path: "name" })]);
    const unknown = await problem(await adminApi("/keys", { method: "POST", body: JSON.stringify({ name: "x", scopes: ["all"] }) }), 400);
    expect(unknown.code).toBe("invalid_request");
    const badLimit = await problem(await adminApi("/keys", { method: "POST", body: JSON.stringify({ name: "x", rateLimit: { requestsPerMinute: 0 } }) }), 400);
    expect(badLimit.errors[0].path).toBe("rateLimit.requestsPerMinute");
    expect((await problem(await adminApi("/accounts/acct_x/credits", { method: "POST", body: JSON.stringify({ amount: 1.5 }) }), 400)).code).toBe("invalid_request");
    expect((await problem(await adminApi("/accounts/acct_x/credits", { method: "POST", body: JSON.stringify({ amount: 0 }) }), 400)).code).toBe("invalid_request");
    expect((await problem(await adminApi("/accounts/bad%20id/credits", { method: "POST", body: JSON.stringify({ amount: 1 }) }), 400)).code).toBe("invalid_request");
    const huge = JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) });
    expect((await problem(await adminApi("/keys", { method: "POST", body: huge }), 413)).code).toBe("payload_too_large");
  });
});

describe("admin: the guard", () => {
  const routes: [string, string, string | undefined][] = [
    ["POST", "/keys", JSON.stringify({ name: "x" })],
    ["DELETE", "/keys/key_whatever", undefined],
    ["POST", "/accounts/acct_x/credits", JSON.stringify({ amount: 5 })],
    ["GET", "/nothing-here", undefined],
  ];

  it.each(routes)("refuses %s %s without the token, with a wrong one, and with an API key", async (method, path, body) => {
    expect((await problem(await adminApi(path, { method, body, token: null }), 401)).code).toBe("unauthorized");
    expect((await problem(await adminApi(path, { method, body, token: "test-admin-token-012345678" }), 401)).code).toBe("unauthorized");
    expect((await problem(await adminApi(path, { method, body, token: `${env.ADMIN_TOKEN}x` }), 401)).code).toBe("unauthorized");
    expect((await problem(await adminApi(path, { method, body, token: DEV_KEY }), 401)).code).toBe("unauthorized");
    const viaApiKeyHeader = await adminApi(path, { method, body, token: null, headers: { "x-api-key": env.ADMIN_TOKEN! } });
    expect(viaApiKeyHeader.status).toBe(401);
  });

  it.each(routes)("refuses %s %s outright when ADMIN_TOKEN is unset, even with a token", async (method, path, body) => {
    for (const unset of [undefined, ""]) {
      for (const token of ["", "anything", env.ADMIN_TOKEN!]) {
        const headers = new Headers({ "content-type": "application/json", authorization: `Bearer ${token}` });
        const res = await adminRoutes.request(path, { method, body, headers }, { ...env, ADMIN_TOKEN: unset }, createExecutionContext());
        expect(res.status).toBe(403);
        expect(((await res.json()) as { code: string }).code).toBe("forbidden");
      }
    }
  });

  it("never echoes the admin token", async () => {
    const res = await adminApi("/keys", { method: "POST", body: JSON.stringify({ name: "echo" }) });
    expect(await res.text()).not.toContain(env.ADMIN_TOKEN!);
    const refused = await adminApi("/keys", { method: "POST", body: "{}", token: `${env.ADMIN_TOKEN}x` });
    expect(await refused.text()).not.toContain(env.ADMIN_TOKEN!);
  });
});

describe("admin: credits", () => {
  it("adds and removes credits, never below zero, keeping the invariant", async () => {
    const { accountId } = await mintAccount();
    const add = await adminApi(`/accounts/${accountId}/credits`, { method: "POST", body: JSON.stringify({ amount: 30 }) });
    expect(add.status).toBe(200);
    expect(await add.json()).toEqual({ accountId, credits: { granted: 30, balance: 30, reserved: 0, spent: 0 } });
    const remove = await adminApi(`/accounts/${accountId}/credits`, { method: "POST", body: JSON.stringify({ amount: -10 }) });
    expect(((await remove.json()) as any).credits).toEqual({ granted: 20, balance: 20, reserved: 0, spent: 0 });
    const tooMuch = await problem(await adminApi(`/accounts/${accountId}/credits`, { method: "POST", body: JSON.stringify({ amount: -21 }) }), 422);
    expect(tooMuch.credits).toEqual({ granted: 20, balance: 20, reserved: 0, spent: 0 });
    expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20, reserved: 0, spent: 0 });
  });
});

describe("the development key", () => {
  it("is a real key, seeded once on first use with credits", async () => {
    const res = await api("/v2/me");
    expect(res.status).toBe(200);
    const me = (await res.json()) as any;
    expect(me.accountId).toBe(DEV_ACCOUNT_ID);
    expect(me.credits.granted).toBe(DEV_CREDITS);
    const stored = await env.KEYS.get<{ accountId: string }>(`key:${await sha256Hex(DEV_KEY)}`, "json");
    expect(stored?.accountId).toBe(DEV_ACCOUNT_ID);
    await api("/v2/me");
    expect((await checkedLedger(DEV_ACCOUNT_ID)).granted).toBe(DEV_CREDITS);
  });

  it("seeds a new development key (a fresh .dev.vars) onto the same account, without a second grant", async () => {
    const fresh = "ig_test_" + "1".repeat(28) + "next";
    const principal = await resolveKey({ ...env, DEV_API_KEY: fresh }, fresh);
    expect(principal).toMatchObject({ accountId: DEV_ACCOUNT_ID, requestsPerMinute: 1000 });
    expect(await resolveKey({ ...env, ENVIRONMENT: "production", DEV_API_KEY: "ig_test_" + "2".repeat(32) }, "ig_test_" + "2".repeat(32))).toBeNull();
    expect((await checkedLedger(DEV_ACCOUNT_ID)).granted).toBe(DEV_CREDITS);
  });

  it("stays revoked once revoked (it is not seeded again)", async () => {
    const { keyId } = (await (await api("/v2/me")).json()) as { keyId: string };
    expect(keyId).toMatch(/^key_dev_[0-9a-f]{16}$/);
    expect((await adminApi(`/keys/${keyId}`, { method: "DELETE" })).status).toBe(204);
    expect((await api("/v2/me")).status).toBe(401);
    expect((await api("/v2/me")).status).toBe(401);
  });
});
