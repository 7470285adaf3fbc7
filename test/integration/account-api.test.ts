import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WEBHOOK_SECRET_OVERLAP_MS } from "../../src/accounts/webhook-secrets";
import { modelEntries, type ModelEntry } from "../../src/catalogue";
import { fromBase64 } from "../../src/lib/crypto";
import { api, createJob, patchJob, fireAlarm, runToEnd } from "../helpers/api";
import { accountOf, adminApi, mintAccount } from "../helpers/accounts";
import { ALWAYS_ACTIVE, activeModel, jobBody, withLifecycle } from "../helpers/models";

// GET /v2/me, the webhook secret and its rotation, GET /v2/jobs, and secrets kept out of responses and logs.

const body = (prompt: string, model: ModelEntry = activeModel()) => jobBody(model, { prompt }, { quality: "low" });

interface Me {
  accountId: string;
  keyId: string;
  credits: { balance: number; reserved: number; spent: number; granted: number };
  limits: { requestsPerMinute: number };
  webhookSecret: string;
  previousWebhookSecretExpiresAt: string | null;
}

const me = async (key: string): Promise<Me> => (await (await api("/v2/me", { key })).json()) as Me;

describe("GET /v2/me", () => {
  it("shows credits, limits and a Standard Webhooks secret", async () => {
    const { key, keyId, accountId } = await mintAccount({ credits: 30, requestsPerMinute: 12 });
    const res = await api("/v2/me", { key });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const view = (await res.json()) as Me;
    expect(view).toEqual({
      accountId,
      keyId,
      credits: { balance: 30, reserved: 0, spent: 0, granted: 30 },
      limits: { requestsPerMinute: 12 },
      budgets: [],
      storage: { uploads: 0, bytes: 0, maxUploads: 500, maxBytes: 2 * 1024 ** 3 },
      webhookSecret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]+=*$/),
      previousWebhookSecretExpiresAt: null,
    });
    expect(fromBase64(view.webhookSecret.slice("whsec_".length)).byteLength).toBeGreaterThanOrEqual(24);
    expect((await me(key)).webhookSecret).toBe(view.webhookSecret);
    expect((await api("/v2/me", { key: null })).status).toBe(401);
  });

  it("rotates the secret, keeping the previous one valid for the overlap, current first", async () => {
    const { key, accountId } = await mintAccount();
    const before = (await me(key)).webhookSecret;
    const res = await api("/v2/me/webhook-secret/rotate", { method: "POST", key });
    expect(res.status).toBe(200);
    const rotated = (await res.json()) as Me;
    expect(rotated.webhookSecret).not.toBe(before);
    expect(Date.parse(rotated.previousWebhookSecretExpiresAt!) - Date.now()).toBeGreaterThan(WEBHOOK_SECRET_OVERLAP_MS - 60_000);
    expect(await accountOf(accountId).webhookSecrets()).toEqual([rotated.webhookSecret, before]);
    expect((await me(key)).webhookSecret).toBe(rotated.webhookSecret);
    // Once the overlap has passed, only the current secret signs.
    await runInDurableObject(accountOf(accountId), (_i, state) => {
      state.storage.sql.exec("UPDATE webhook_secrets SET retires = ? WHERE retires IS NOT NULL", Date.now() - 1);
    });
    expect(await accountOf(accountId).webhookSecrets()).toEqual([rotated.webhookSecret]);
    expect((await me(key)).previousWebhookSecretExpiresAt).toBeNull();
  });

  it("keeps secrets per account", async () => {
    const a = await mintAccount();
    const b = await mintAccount();
    expect((await me(a.key)).webhookSecret).not.toBe((await me(b.key)).webhookSecret);
  });
});

describe("GET /v2/jobs", () => {
  it("lists the caller's jobs newest first, with cursor pages of `limit`", async () => {
    const { key } = await mintAccount({ credits: 1000 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createJob(body(`list: ${i}`), key));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api(`/v2/jobs?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { key });
      expect(res.status).toBe(200);
      const page = (await res.json()) as { data: { id: string; status: string }[]; nextCursor: string | null };
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((j) => j.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  it("filters by status and model", async () => {
    const { key } = await mintAccount({ credits: 1000 });
    const done = await createJob(body("filter: done"), key);
    await runToEnd(done);
    const failed = await createJob(body("filter: failed"), key);
    await patchJob(failed, (r) => ({ ...r, deadlineAt: Date.now() - 1 }));
    await fireAlarm(failed);
    // A job of a second model, whatever the catalogue holds active today: any other model, kept active to create it.
    const model = activeModel();
    const other = modelEntries().find((e) => e.id !== model.id)!;
    const otherJob = await withLifecycle(other.id, ALWAYS_ACTIVE, () => createJob(body("filter: other model", other), key));
    const list = async (q: string) =>
      ((await (await api(`/v2/jobs?${q}`, { key })).json()) as { data: { id: string }[] }).data.map((j) => j.id);
    expect(await list("status=COMPLETED")).toEqual([done]);
    expect(await list("status=FAILED")).toEqual([failed]);
    expect(await list(`model=${other.id}`)).toEqual([otherJob]);
    expect(await list(`model=${model.id}`)).toEqual([failed, done]);
    expect(await list("status=CANCELLED")).toEqual([]);
  });

  it("refuses a bad limit, cursor or filter with 400", async () => {
    const { key } = await mintAccount();
    for (const q of ["limit=101", "limit=0", "limit=x", "cursor=abc", "status=DONE", "model=dall-e-3", "colour=red"]) {
      const res = await api(`/v2/jobs?${q}`, { key });
      expect(res.status, q).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await api("/v2/jobs?limit=100", { key })).status).toBe(200);
  });
});

describe("secrets stay out of responses, logs and jobs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("never shows the admin token, signing secret or a key after minting", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    vi.spyOn(console, "log").mockImplementation(capture);
    vi.spyOn(console, "error").mockImplementation(capture);
    vi.spyOn(console, "warn").mockImplementation(capture);
    const minted = await adminApi("/keys", { method: "POST", body: JSON.stringify({ name: "leak check" }) });
    const { key, accountId } = (await minted.json()) as { key: string; accountId: string };
    await adminApi(`/accounts/${accountId}/credits`, { method: "POST", body: JSON.stringify({ amount: 50 }) });
    const jobId = await createJob({ ...body("leak check"), metadata: { note: "x" } }, key);
    await runToEnd(jobId);
    const responses = [
      await (await api(`/v2/jobs/${jobId}`, { key })).text(),
      await (await api("/v2/jobs", { key })).text(),
      await (await api("/v2/me", { key })).text(),
      await (await api("/v2/images/generate", { method: "POST", body: "{", key })).text(),
      await (await adminApi("/keys", { method: "POST", body: "{}", token: "wrong" })).text(),
    ];
    const secrets = [env.ADMIN_TOKEN!, env.FILE_SIGNING_SECRET!, key];
    for (const text of [...responses, ...lines]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    expect(lines.some((l) => l.includes(jobId))).toBe(true);
    const job = JSON.parse(responses[0]!) as { input: unknown };
    expect(JSON.stringify(job.input)).not.toMatch(/authorization|ig_test_|whsec_/i);
  });
});
