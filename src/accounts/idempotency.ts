// Idempotency records (SPEC §2.1): per account, 24 h. The key maps to the body's hash and the job it admitted.

export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export type IdempotencyCheck =
  | { kind: "new" }
  | { kind: "replay"; jobId: string }
  | { kind: "mismatch" }
  /** The key's job may not exist yet: its request is still being admitted, or died before it reported back. */
  | { kind: "unconfirmed"; jobId: string };

type Row = { body_hash: string; job_id: string; admitting: number | null };

export function checkIdempotency(sql: SqlStorage, key: string, bodyHash: string, now: number): IdempotencyCheck {
  sql.exec("DELETE FROM idempotency WHERE created <= ?", now - IDEMPOTENCY_TTL_MS);
  const row = sql
    .exec<Row>("SELECT i.body_hash, i.job_id, j.admitting FROM idempotency i LEFT JOIN jobs j ON j.id = i.job_id WHERE i.key = ?", key)
    .toArray()[0];
  if (!row) return { kind: "new" };
  if (row.body_hash !== bodyHash) return { kind: "mismatch" };
  if (row.admitting === 1) return { kind: "unconfirmed", jobId: row.job_id };
  return { kind: "replay", jobId: row.job_id };
}

export function recordIdempotency(sql: SqlStorage, key: string, bodyHash: string, jobId: string, now: number): void {
  sql.exec("INSERT OR REPLACE INTO idempotency (key, body_hash, job_id, created) VALUES (?, ?, ?, ?)", key, bodyHash, jobId, now);
}

export function forgetIdempotency(sql: SqlStorage, jobId: string): void {
  sql.exec("DELETE FROM idempotency WHERE job_id = ?", jobId);
}
