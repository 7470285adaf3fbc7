// The create rate limit: a token bucket per key that holds `limit` tokens and refills `limit` per minute. A request
// that costs more than one token (a job whose reference URLs the gateway will fetch: one token per fetch) is let in
// while a token is left and takes the bucket into debt, so a costly request is never refused forever and the next
// ones wait until the debt is paid: outbound fetches are held to the same rate as creates.

export type RateState = {
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until the next token, when none is left; 0 otherwise. */
  retryAfterSeconds: number;
};

export type Bucket = { tokens: number; updated: number };

/** Takes `cost` tokens if one is left (the rest as debt). Pure: the caller stores the returned bucket. */
export function takeToken(bucket: Bucket | null, limit: number, now: number, cost = 1): { allowed: boolean; bucket: Bucket; state: RateState } {
  const perMs = limit / 60_000;
  let tokens = bucket ? Math.min(limit, bucket.tokens + Math.max(0, now - bucket.updated) * perMs) : limit;
  const allowed = tokens >= 1;
  if (allowed) tokens -= cost;
  const state: RateState = {
    limit,
    remaining: Math.max(0, Math.floor(tokens)),
    resetSeconds: Math.ceil((limit - tokens) / perMs / 1000),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)),
  };
  return { allowed, bucket: { tokens, updated: now }, state };
}

export function takeKeyToken(sql: SqlStorage, keyId: string, limit: number, now: number, cost = 1): { allowed: boolean; state: RateState } {
  const row = sql.exec<Bucket>("SELECT tokens, updated FROM buckets WHERE key_id = ?", keyId).toArray()[0] ?? null;
  const { allowed, bucket, state } = takeToken(row, limit, now, cost);
  sql.exec("INSERT OR REPLACE INTO buckets (key_id, tokens, updated) VALUES (?, ?, ?)", keyId, bucket.tokens, bucket.updated);
  return { allowed, state };
}

export function rateHeaders(state: RateState): Record<string, string> {
  const headers: Record<string, string> = {
    "RateLimit-Limit": String(state.limit),
    "RateLimit-Remaining": String(state.remaining),
    "RateLimit-Reset": String(state.resetSeconds),
  };
  if (state.retryAfterSeconds > 0) headers["Retry-After"] = String(state.retryAfterSeconds);
  return headers;
}
