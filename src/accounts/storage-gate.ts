import type { Env } from "../env";
import { ApiError } from "../lib/errors";
import { MAX_UPLOAD_BYTES, type Upload } from "../files/uploads";
import { accountStub } from "./account-stub";
import { rateHeaders } from "./rate-limit";
import { storageLimits } from "./storage-quota";

// Metering of an upload, before any of it is written to R2: a token of the key's create rate limit and room in the
// account's storage quota, both taken in the AccountDO at once. Past either, 429: the quota frees itself as uploads
// expire, so it is a "wait", not a "this request is too large" (413 stays for a file over the upload limit).

export interface Uploader {
  accountId: string;
  keyId: string;
  requestsPerMinute: number;
}

export interface MeteredUpload {
  upload: Upload;
  /** RateLimit-* headers for the answer. */
  headers: Record<string, string>;
}

/**
 * Reserves room for an upload of at most `bytes`, runs `store`, then settles the room to the stored size; a failed
 * store (or a refusal) releases it.
 */
export async function meteredUpload(
  env: Env,
  who: Uploader,
  plan: { uploadId: string; bytes: number; expiresAt: number; now: number },
  store: () => Promise<Upload>,
): Promise<MeteredUpload> {
  const account = accountStub(env, who.accountId);
  const limits = storageLimits(env);
  const gate = await account.reserveUpload({ keyId: who.keyId, requestsPerMinute: who.requestsPerMinute, uploadId: plan.uploadId, bytes: plan.bytes, expiresAt: plan.expiresAt, limits });
  if (gate.kind === "revoked") throw new ApiError("unauthorized", "This API key is not valid.");
  const headers = rateHeaders(gate.rate);
  if (gate.kind === "rate_limited") {
    throw new ApiError("rate_limited", `This key may make ${gate.rate.limit} jobs and uploads a minute; retry in ${gate.rate.retryAfterSeconds} s.`, { headers });
  }
  if (gate.kind === "over_quota") {
    const { uploads, bytes, maxUploads, maxBytes } = gate.storage;
    const wait = gate.freesAt === null ? null : Math.max(1, Math.ceil((gate.freesAt - plan.now) / 1000));
    throw new ApiError(
      "rate_limited",
      `The account's storage quota is ${maxUploads} uploads and ${maxBytes} bytes; it holds ${uploads} uploads of ${bytes} bytes, with no room for ` +
        `one of up to ${plan.bytes} bytes. Room frees as uploads expire${wait === null ? "" : `: retry in ${wait} s`}.`,
      { headers: wait === null ? headers : { ...headers, "Retry-After": String(wait) } },
    );
  }
  let upload: Upload;
  try {
    upload = await store();
  } catch (err) {
    await account.releaseUpload(plan.uploadId);
    throw err;
  }
  await account.settleUpload(plan.uploadId, upload.file.byteSize);
  return { upload, headers };
}

/** Room to reserve for an upload whose body declares this length: at most the upload limit, the limit when undeclared. */
export function declaredBytes(contentLength: string | undefined): number {
  const declared = Number(contentLength ?? NaN);
  return Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, MAX_UPLOAD_BYTES) : MAX_UPLOAD_BYTES;
}

/** A stored upload that is not kept after all: deleted, and its room freed. */
export async function discardUpload(env: Env, upload: Upload): Promise<void> {
  await env.FILES.delete(upload.file.key);
  await accountStub(env, upload.accountId).releaseUpload(upload.id);
}
