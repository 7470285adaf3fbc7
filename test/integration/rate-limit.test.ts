import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, runToEnd } from "../helpers/api";
import { accountOf, checkedLedger, mintAccount } from "../helpers/accounts";

// The create rate limit: a token bucket per key, RateLimit-* headers on every surface's creates, 429 with Retry-After.

const body = (prompt: string) => JSON.stringify({ prompt, model: "gpt-image-2", gptImage2Params: { quality: "low" } });
const post = (prompt: string, key: string) => api("/v2/images/generate", { method: "POST", body: body(prompt), key });

describe("rate limit", () => {
  it("counts creates down in RateLimit headers, then answers 429 with Retry-After", async () => {
    const { key, accountId } = await mintAccount({ credits: 100, requestsPerMinute: 3 });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(`rate: ${i}`, key);
      expect(res.status).toBe(202);
      expect(res.headers.get("ratelimit-limit")).toBe("3");
      expect(Number(res.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
      expect(Number(res.headers.get("ratelimit-reset"))).toBeLessThanOrEqual(60);
      expect(res.headers.get("retry-after")).toBeNull();
      remaining.push(res.headers.get("ratelimit-remaining")!);
    }
    expect(remaining).toEqual(["2", "1", "0"]);
    const limited = await post("rate: over", key);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toBe("application/problem+json");
    expect(((await limited.json()) as { code: string }).code).toBe("rate_limited");
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(20);
    expect(limited.headers.get("ratelimit-limit")).toBe("3");
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    // The refused create reserved nothing.
    expect(await checkedLedger(accountId)).toMatchObject({ reserved: 3 * 4 });
  });

  it("refills over time", async () => {
    const { key, keyId, accountId } = await mintAccount({ credits: 100, requestsPerMinute: 2 });
    expect((await post("refill: 1", key)).status).toBe(202);
    expect((await post("refill: 2", key)).status).toBe(202);
    expect((await post("refill: 3", key)).status).toBe(429);
    // Thirty seconds pass for the bucket: one token back at 2 a minute.
    await runInDurableObject(accountOf(accountId), (_i, state) => {
      state.storage.sql.exec("UPDATE buckets SET updated = updated - 30000 WHERE key_id = ?", keyId);
    });
    const res = await post("refill: 4", key);
    expect(res.status).toBe(202);
    expect(res.headers.get("ratelimit-remaining")).toBe("0");
    expect((await post("refill: 5", key)).status).toBe(429);
  });

  it("limits each key on its own, with the default limit for keys that set none", async () => {
    const a = await mintAccount({ credits: 100, requestsPerMinute: 1 });
    const b = await mintAccount({ accountId: a.accountId });
    expect((await post("per key: a1", a.key)).status).toBe(202);
    expect((await post("per key: a2", a.key)).status).toBe(429);
    const fromB = await post("per key: b1", b.key);
    expect(fromB.status).toBe(202);
    expect(fromB.headers.get("ratelimit-limit")).toBe("60");
    expect(fromB.headers.get("ratelimit-remaining")).toBe("59");
  });

  it("does not count requests refused before admission (invalid bodies)", async () => {
    const { key } = await mintAccount({ credits: 100, requestsPerMinute: 1 });
    for (let i = 0; i < 3; i++) {
      const bad = await api("/v2/images/generate", { method: "POST", body: JSON.stringify({ prompt: "", model: "gpt-image-2" }), key });
      expect(bad.status).toBe(400);
    }
    expect((await post("after invalid", key)).status).toBe(202);
  });

  it("puts RateLimit headers on /v1 and /api/rest creates too, counting down one bucket per key", async () => {
    const { key } = await mintAccount({ credits: 100, requestsPerMinute: 5 });
    const v1 = await api("/v1/images/generations", {
      method: "POST",
      body: JSON.stringify({ model: "gpt-image-2", prompt: "rate: v1", quality: "low", stream: true }),
      key,
    });
    expect(v1.status).toBe(200);
    await runToEnd(v1.headers.get("x-imagegate-job-id")!);
    await v1.text();
    const leonardo = await api("/api/rest/v2/generations", {
      method: "POST",
      body: JSON.stringify({ model: "gpt-image-2", parameters: { prompt: "rate: leonardo", quality: "LOW", quantity: 1, width: 1024, height: 1024 } }),
      key,
    });
    expect(leonardo.status).toBe(200);
    for (const [res, remaining] of [[v1, "4"], [leonardo, "3"]] as const) {
      expect(res.headers.get("ratelimit-limit")).toBe("5");
      expect(res.headers.get("ratelimit-remaining")).toBe(remaining);
      expect(Number(res.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    }
  });
});
