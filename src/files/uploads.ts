import { newId } from "../lib/ids";
import { limitBytes } from "../lib/capped-body";
import type { StoredFile } from "./stored-file";
import { storeImage } from "./store";

// Reference images uploaded by clients: R2 `uploads/<id>.<ext>`, owned by one account, expiring after a while.

export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
export const UPLOAD_TTL_SECONDS = 24 * 3600;
export const UPLOAD_ID = /^upl_[A-Za-z0-9]{24}$/;

export interface Upload {
  id: string;
  file: StoredFile;
  accountId: string;
  expiresAt: number;
}

/** Streams an upload into R2 (sniffed: png, jpeg, webp only; capped at 25 MB). `id` is pre-assigned by two-step uploads. */
export async function storeUpload(
  bucket: R2Bucket,
  accountId: string,
  body: ReadableStream<Uint8Array>,
  now: number,
  id: string = newId("upl"),
): Promise<Upload> {
  const expiresAt = now + UPLOAD_TTL_SECONDS * 1000;
  const file = await storeImage(bucket, limitBytes(body, MAX_UPLOAD_BYTES), {
    keyFor: (ext) => `uploads/${id}.${ext}`,
    metadata: { accountId, expiresAt: String(expiresAt), visibility: "private" },
  });
  return { id, file, accountId, expiresAt };
}

/** The upload's R2 object if it exists, belongs to the account and has not expired. */
export async function findUpload(bucket: R2Bucket, accountId: string, id: string, now: number): Promise<R2Object | null> {
  if (!UPLOAD_ID.test(id)) return null;
  const { objects } = await bucket.list({ prefix: `uploads/${id}.`, limit: 1, include: ["customMetadata"] });
  const object = objects[0];
  if (!object || object.customMetadata?.accountId !== accountId) return null;
  return Number(object.customMetadata.expiresAt) > now ? object : null;
}

/** Deletes expired uploads; returns how many went. Run from a cron trigger. */
export async function sweepUploads(bucket: R2Bucket, now: number): Promise<number> {
  let removed = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: "uploads/", cursor, include: ["customMetadata"] });
    const expired = page.objects.filter((o) => Number(o.customMetadata?.expiresAt ?? 0) <= now).map((o) => o.key);
    if (expired.length > 0) await bucket.delete(expired);
    removed += expired.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return removed;
}

/** Deletes what a refused request stored. A failure is logged, not thrown: the hourly sweep removes expired uploads. */
export async function forgetUploads(bucket: R2Bucket, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await bucket.delete([...keys]).catch((err: unknown) => {
    console.error(JSON.stringify({ msg: "could not delete a refused request's uploads", keys, error: String(err) }));
  });
}
