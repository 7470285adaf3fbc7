import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { toBase64 } from "../../src/lib/crypto";
import { signatureHeader } from "../../src/webhooks/sign";
import { MAX_ATTEMPTS, RETRY_DELAYS_MS, retryDelayMs, retryScale } from "../../src/webhooks/schedule";

// Signatures as the standardwebhooks library (a real client) checks them, and the retry schedule of SPEC §6.

const secret = () => `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;

describe("webhook signatures", () => {
  it("are accepted by the standardwebhooks library, and refused for another body, id or secret", async () => {
    const key = secret();
    const id = "msg_abc";
    const ts = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: "job.completed", timestamp: new Date().toISOString(), data: { id: "x", prompt: "ünïcödé ✓" } });
    const header = await signatureHeader([key], id, ts, body);
    expect(header).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    const headers = { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": header };
    expect(new Webhook(key).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(key).verify(`${body} `, headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(key).verify(body, { ...headers, "webhook-id": "msg_abd" })).toThrow(/No matching signature/);
    expect(() => new Webhook(secret()).verify(body, headers)).toThrow(/No matching signature/);
  });

  it("carry one signature per secret during a rotation, each accepted by a verifier holding that secret alone", async () => {
    const [current, previous] = [secret(), secret()];
    const ts = Math.floor(Date.now() / 1000);
    const header = await signatureHeader([current, previous], "msg_rot", ts, "{}");
    expect(header.split(" ")).toHaveLength(2);
    const headers = { "webhook-id": "msg_rot", "webhook-timestamp": String(ts), "webhook-signature": header };
    for (const key of [current, previous]) expect(new Webhook(key).verify("{}", headers)).toEqual({});
    expect(() => new Webhook(secret()).verify("{}", headers)).toThrow();
  });
});

describe("the retry schedule", () => {
  it("waits about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, each within ±20 %, then gives up", () => {
    expect(RETRY_DELAYS_MS).toEqual([5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000]);
    expect(MAX_ATTEMPTS).toBe(8);
    for (const [i, base] of RETRY_DELAYS_MS.entries()) {
      expect(retryDelayMs(i + 1, () => 0)).toBe(base * 0.8);
      expect(retryDelayMs(i + 1, () => 0.999999)).toBeLessThanOrEqual(base * 1.2);
      expect(retryDelayMs(i + 1, () => 0.999999)).toBeGreaterThan(base * 1.19);
      expect(retryDelayMs(i + 1, () => 0.5)).toBe(base);
    }
    expect(retryDelayMs(8)).toBeNull();
  });

  it("compresses the whole schedule by WEBHOOK_RETRY_SCALE, and ignores a scale outside (0, 1]", () => {
    expect(retryDelayMs(2, () => 0.5, retryScale("0.01"))).toBe(3_000);
    expect(retryDelayMs(8, () => 0.5, retryScale("0.01"))).toBeNull();
    for (const bad of [undefined, "", "0", "-1", "2", "fast"]) expect(retryScale(bad)).toBe(1);
    expect(retryScale("0.002")).toBe(0.002);
  });

  it("jitters: the same failure does not always get the same delay", () => {
    const delays = new Set(Array.from({ length: 20 }, () => retryDelayMs(2)));
    expect(delays.size).toBeGreaterThan(1);
  });
});
