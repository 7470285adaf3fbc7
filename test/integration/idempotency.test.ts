import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { IDEMPOTENCY_TTL_MS } from "../../src/accounts/idempotency";
import { api } from "../helpers/api";
import { accountOf, checkedLedger, grant, mintAccount } from "../helpers/accounts";

// Idempotency-Key (SPEC §2.1): per account, 24 h; replay → the original answer; other body → 422; in flight → 409.

const LOW = 4;
const body = (prompt: string) => JSON.stringify({ prompt, model: "gpt-image-2", gptImage2Params: { quality: "low" } });
const post = (raw: string, key: string, idempotencyKey?: string) =>
  api("/v2/images/generate", { method: "POST", body: raw, key, headers: idempotencyKey === undefined ? {} : { "idempotency-key": idempotencyKey } });

async function problem(res: Response, status: number): Promise<Record<string, any>> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as Record<string, any>;
}

describe("Idempotency-Key", () => {
  it("replays the first answer for the same body, charging once", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const raw = body("idem: replay");
    const first = await post(raw, key, "order-1");
    expect(first.status).toBe(202);
    const firstBody = await first.json();
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    for (let i = 0; i < 3; i++) {
      const again = await post(raw, key, "order-1");
      expect(again.status).toBe(202);
      expect(await again.json()).toEqual(firstBody);
      expect(again.headers.get("location")).toBe(first.headers.get("location"));
      expect(again.headers.get("idempotent-replayed")).toBe("true");
    }
    expect(await checkedLedger(accountId)).toEqual({ granted: 20, balance: 20 - LOW, reserved: LOW, spent: 0 });
    const list = (await (await api("/v2/jobs", { key })).json()) as { data: unknown[] };
    expect(list.data).toHaveLength(1);
  });

  it("refuses the same key with a different body (422), charging nothing more", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    expect((await post(body("idem: one"), key, "k-mismatch")).status).toBe(202);
    const p = await problem(await post(body("idem: two"), key, "k-mismatch"), 422);
    expect(p.code).toBe("unprocessable");
    expect(p.detail).toMatch(/different request body/);
    expect(await checkedLedger(accountId)).toMatchObject({ reserved: LOW, balance: 20 - LOW });
  });

  it("answers 409 while the first request with the key is still being admitted", async () => {
    const { key, keyId, accountId } = await mintAccount({ credits: 20 });
    const raw = body("idem: in flight");
    // The first request is between its reservation and its JobDO (as if still running).
    const gate = await accountOf(accountId).admit({
      keyId,
      requestsPerMinute: 60,
      jobId: crypto.randomUUID(),
      model: "gpt-image-2",
      cost: LOW,
      idempotency: { key: "k-flight", bodyHash: await sha256Hex(raw) },
    });
    expect(gate.kind).toBe("reserved");
    const p = await problem(await post(raw, key, "k-flight"), 409);
    expect(p.code).toBe("conflict");
    // A different body under the same key is still a mismatch, not a conflict.
    expect((await post(body("idem: other"), key, "k-flight")).status).toBe(422);
    expect(await checkedLedger(accountId)).toMatchObject({ reserved: LOW });
  });

  it("keeps keys per account", async () => {
    const a = await mintAccount({ credits: 20 });
    const b = await mintAccount({ credits: 20 });
    const raw = body("idem: shared key");
    const fromA = (await (await post(raw, a.key, "same-key")).json()) as { jobId: string };
    const fromB = (await (await post(raw, b.key, "same-key")).json()) as { jobId: string };
    expect(fromB.jobId).not.toBe(fromA.jobId);
    expect((await api(`/v2/jobs/${fromA.jobId}`, { key: b.key })).status).toBe(404);
  });

  it("does not record a refused admission: the retry after a top-up is admitted", async () => {
    const { key, accountId } = await mintAccount({ credits: 1 });
    const raw = body("idem: refused");
    await problem(await post(raw, key, "k-402"), 402);
    await grant(accountId, LOW);
    const res = await post(raw, key, "k-402");
    expect(res.status).toBe(202);
    expect(res.headers.get("idempotent-replayed")).toBeNull();
  });

  it("forgets a key after 24 hours", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    const raw = body("idem: expiry");
    const first = (await (await post(raw, key, "k-old")).json()) as { jobId: string };
    await runInDurableObject(accountOf(accountId), (_i, state) => {
      state.storage.sql.exec("UPDATE idempotency SET created = created - ?", IDEMPOTENCY_TTL_MS);
    });
    const second = (await (await post(raw, key, "k-old")).json()) as { jobId: string };
    expect(second.jobId).not.toBe(first.jobId);
  });

  it("refuses a key longer than 255 characters or with control characters", async () => {
    const { key, accountId } = await mintAccount({ credits: 20 });
    expect((await post(body("idem: 255"), key, "k".repeat(255))).status).toBe(202);
    const long = await problem(await post(body("idem: 256"), key, "k".repeat(256)), 400);
    expect(long.errors).toEqual([{ path: "Idempotency-Key", message: expect.stringMatching(/255/) }]);
    await problem(await post(body("idem: tab"), key, "a\tb"), 400);
    expect(await checkedLedger(accountId)).toMatchObject({ reserved: LOW });
  });
});
