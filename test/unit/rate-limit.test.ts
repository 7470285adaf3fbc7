import { describe, expect, it } from "vitest";
import { rateHeaders, takeToken } from "../../src/accounts/rate-limit";

// The token bucket's arithmetic, without storage.

describe("takeToken", () => {
  it("starts full and takes one token per call", () => {
    const first = takeToken(null, 10, 0);
    expect(first.allowed).toBe(true);
    expect(first.state).toEqual({ limit: 10, remaining: 9, resetSeconds: 6, retryAfterSeconds: 0 });
  });

  it("refuses when empty and says when the next token comes", () => {
    let bucket = null;
    for (let i = 0; i < 6; i++) bucket = takeToken(bucket, 6, 1000).bucket;
    const refused = takeToken(bucket, 6, 1000);
    expect(refused.allowed).toBe(false);
    expect(refused.state).toMatchObject({ remaining: 0, retryAfterSeconds: 10, resetSeconds: 60 });
    expect(refused.bucket.tokens).toBe(0);
    const later = takeToken(refused.bucket, 6, 1000 + 10_000);
    expect(later.allowed).toBe(true);
  });

  it("refills at limit per minute, never beyond the limit", () => {
    const empty = { tokens: 0, updated: 0 };
    expect(takeToken(empty, 60, 500).allowed).toBe(false);
    expect(takeToken(empty, 60, 1000).allowed).toBe(true);
    expect(takeToken(empty, 60, 3_600_000).state.remaining).toBe(59);
  });

  it("lets a costly request in while a token is left, into debt that later requests wait out", () => {
    const costly = takeToken(null, 6, 0, 8);
    expect(costly.allowed).toBe(true);
    expect(costly.bucket.tokens).toBe(-2);
    expect(costly.state).toMatchObject({ remaining: 0, retryAfterSeconds: 0 });
    const next = takeToken(costly.bucket, 6, 0);
    expect(next.allowed).toBe(false);
    // Three tokens at 6 a minute: 30 s until the bucket holds one again.
    expect(next.state.retryAfterSeconds).toBe(30);
    expect(takeToken(next.bucket, 6, 30_000).allowed).toBe(true);
  });

  it("caps a bucket made under a higher limit", () => {
    expect(takeToken({ tokens: 100, updated: 0 }, 5, 0).state.remaining).toBe(4);
  });

  it("renders RateLimit headers, with Retry-After only when refused", () => {
    expect(rateHeaders({ limit: 5, remaining: 4, resetSeconds: 12, retryAfterSeconds: 0 })).toEqual({
      "RateLimit-Limit": "5",
      "RateLimit-Remaining": "4",
      "RateLimit-Reset": "12",
    });
    expect(rateHeaders({ limit: 5, remaining: 0, resetSeconds: 60, retryAfterSeconds: 12 })["Retry-After"]).toBe("12");
  });
});
