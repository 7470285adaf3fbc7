import type { Env } from "../../env";
import { fromBase64, hmacSha256, timingSafeEqual, toBase64, toHex } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { INIT_IMAGE_EXTENSIONS } from "./schemas";

// Leonardo's reference upload is two steps: init-image hands out a URL and form fields, then the client POSTs the
// fields and the file there with no API key. Here the fields carry a policy (account, upload id, type, expiry) signed
// with a key derived from FILE_SIGNING_SECRET, so the upload endpoint trusts nothing else.

/** Leonardo's presigned uploads expire after 2 minutes (PROVIDERS.md). */
export const POLICY_TTL_MS = 2 * 60_000;

type Extension = (typeof INIT_IMAGE_EXTENSIONS)[number];

export interface UploadPolicy {
  accountId: string;
  /** The key that asked for it, and its create rate limit: the upload is metered against that key. */
  keyId: string;
  requestsPerMinute: number;
  uploadId: string;
  extension: Extension;
  /** Epoch ms. */
  expiresAt: number;
}

const MIME: Record<Extension, string> = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", webp: "image/webp" };
export const mimeOf = (extension: Extension): string => MIME[extension];

/** The R2 key the upload will have (uploads/<id>.<ext>, with jpeg stored as jpg). */
export const uploadKeyOf = (policy: UploadPolicy): string => `uploads/${policy.uploadId}.${policy.extension === "jpeg" ? "jpg" : policy.extension}`;

async function signature(env: Env, encoded: string): Promise<string> {
  if (!env.FILE_SIGNING_SECRET) throw new Error("FILE_SIGNING_SECRET is not set");
  const key = await hmacSha256(env.FILE_SIGNING_SECRET, "imagegate/leonardo-init-image-policy/v1");
  return toHex(await hmacSha256(key, encoded));
}

/** The form fields for the upload: what S3 would call the key, content type, policy and signature. */
export async function uploadFields(env: Env, policy: UploadPolicy): Promise<Record<string, string>> {
  const encoded = toBase64(new TextEncoder().encode(JSON.stringify(policy)));
  return { key: uploadKeyOf(policy), "Content-Type": mimeOf(policy.extension), policy: encoded, "x-imagegate-signature": await signature(env, encoded) };
}

const denied = (why: string): ApiError => new ApiError("forbidden", `This upload is not allowed: ${why}. Ask POST /api/rest/v1/init-image for fresh fields.`);

function decode(encoded: string): UploadPolicy | null {
  try {
    const value = JSON.parse(new TextDecoder().decode(fromBase64(encoded))) as Partial<UploadPolicy>;
    const ok = typeof value.accountId === "string" && typeof value.keyId === "string" && typeof value.requestsPerMinute === "number"
      && typeof value.uploadId === "string" && typeof value.expiresAt === "number"
      && (INIT_IMAGE_EXTENSIONS as readonly string[]).includes(value.extension ?? "");
    return ok ? (value as UploadPolicy) : null;
  } catch {
    return null;
  }
}

/** The policy the fields carry, once its signature, expiry and the fields that restate it are checked. */
export async function checkUploadFields(env: Env, fields: { key: string; "Content-Type": string; policy: string; "x-imagegate-signature": string }, now: number): Promise<UploadPolicy> {
  if (!timingSafeEqual(await signature(env, fields.policy), fields["x-imagegate-signature"])) throw denied("the signature does not match the policy");
  const policy = decode(fields.policy);
  if (!policy) throw denied("the policy cannot be read");
  if (policy.expiresAt < now) throw denied("the policy has expired");
  if (fields.key !== uploadKeyOf(policy)) throw denied("the key field does not match the policy");
  if (fields["Content-Type"] !== mimeOf(policy.extension)) throw denied("the Content-Type field does not match the policy");
  return policy;
}
