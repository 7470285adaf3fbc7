import type { Env } from "../env";

// An account's storage quota for uploads (/v2/uploads, Leonardo's init-image upload): how many live uploads and how
// many bytes. Kept in the AccountDO's `uploads` table, one row per upload. A row is reserved before the upload is
// stored, with the most it may hold (the declared body, at most the upload limit), so concurrent uploads cannot pass
// the quota between them; it is settled to the stored size, or released when the upload fails. A row counts until
// its upload expires, as the upload does: the sweep deletes the object, and the row stops counting at the same
// instant (expired rows are pruned on the next reservation).

export interface StorageLimits {
  maxUploads: number;
  maxBytes: number;
}

export interface StorageUse {
  uploads: number;
  bytes: number;
}

export type StorageView = StorageUse & StorageLimits;

export const DEFAULT_STORAGE_LIMITS: StorageLimits = { maxUploads: 500, maxBytes: 2 * 1024 ** 3 };

function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** The quota's vars: absent or not a positive integer, the default applies. */
export function storageLimits(env: Env): StorageLimits {
  return {
    maxUploads: positive(env.STORAGE_MAX_UPLOADS, DEFAULT_STORAGE_LIMITS.maxUploads),
    maxBytes: positive(env.STORAGE_MAX_BYTES, DEFAULT_STORAGE_LIMITS.maxBytes),
  };
}

export function storageUse(sql: SqlStorage, now: number): StorageUse {
  const row = sql.exec<{ uploads: number; bytes: number | null }>("SELECT COUNT(*) AS uploads, SUM(bytes) AS bytes FROM uploads WHERE expires > ?", now).one();
  return { uploads: row.uploads, bytes: row.bytes ?? 0 };
}

export type StorageReservation = { ok: true } | { ok: false; use: StorageUse; freesAt: number | null };

/** Reserves room for one upload of at most `bytes`; run inside the DO's transaction. */
export function reserveStorage(sql: SqlStorage, id: string, bytes: number, expires: number, limits: StorageLimits, now: number): StorageReservation {
  sql.exec("DELETE FROM uploads WHERE expires <= ?", now);
  const use = storageUse(sql, now);
  if (use.uploads + 1 > limits.maxUploads || use.bytes + bytes > limits.maxBytes) {
    const next = sql.exec<{ at: number | null }>("SELECT MIN(expires) AS at FROM uploads").one().at;
    return { ok: false, use, freesAt: next };
  }
  sql.exec("INSERT OR REPLACE INTO uploads (id, bytes, expires) VALUES (?, ?, ?)", id, bytes, expires);
  return { ok: true };
}

/** The upload is stored: its row holds its real size. */
export function settleStorage(sql: SqlStorage, id: string, bytes: number): void {
  sql.exec("UPDATE uploads SET bytes = ? WHERE id = ?", bytes, id);
}

/** The upload failed or was deleted: its room is free again. */
export function releaseStorage(sql: SqlStorage, id: string): void {
  sql.exec("DELETE FROM uploads WHERE id = ?", id);
}
