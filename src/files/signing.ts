import { isDevelopment, type Env } from "../env";
import { hmacSha256, timingSafeEqual, toHex } from "../lib/crypto";
import { ApiError } from "../lib/errors";

// Private files are capability URLs: /v2/files/<key>?exp=<unix>&sig=<hex HMAC-SHA256(key "\n" exp)>.
// Every file URL points at PUBLIC_BASE_URL, never at a request's Host header (its sender's choice), except in development.

const DEFAULT_TTL_SECONDS = 24 * 3600;
const HOUR = 3600;

function secretOf(env: Env): string {
  if (!env.FILE_SIGNING_SECRET) throw new Error("FILE_SIGNING_SECRET is not set");
  return env.FILE_SIGNING_SECRET;
}

/** Recent signatures: a URL's expiry is rounded to the hour, so every read of a job within the hour signs the same. */
const signatures = new Map<string, { secret: string; sig: string }>();
const SIGNATURES_MAX = 1024;

async function signature(env: Env, key: string, exp: number): Promise<string> {
  const secret = secretOf(env);
  const message = `${key}\n${exp}`;
  const known = signatures.get(message);
  if (known?.secret === secret) return known.sig;
  const sig = toHex(await hmacSha256(secret, message));
  if (signatures.size >= SIGNATURES_MAX) signatures.delete(signatures.keys().next().value!);
  signatures.set(message, { secret, sig });
  return sig;
}

export const fileUrl = (origin: string, key: string): string => `${origin}/v2/files/${key}`;

const BASE_URL_VAR = "PUBLIC_BASE_URL";

/** The origin file URLs point at: PUBLIC_BASE_URL, or in development when it is unset, the request's own origin. */
export function publicOrigin(env: Env, requestOrigin: string): string {
  const configured = env.PUBLIC_BASE_URL;
  if (!configured && isDevelopment(env)) return requestOrigin;
  const url = configured && URL.canParse(configured) ? new URL(configured) : null;
  const https = url?.protocol === "https:" || (url?.protocol === "http:" && isDevelopment(env));
  if (url && https && url.pathname === "/" && !url.search && !url.hash && !url.username && !url.password) return url.origin;
  throw new ApiError(
    "unavailable",
    `The gateway's ${BASE_URL_VAR} setting is ${configured ? "not an https origin" : "unset"}, so no file URL can be given. ` +
      "The operator must set it (e.g. https://images.example.com).",
    { extra: { setting: BASE_URL_VAR } },
  );
}

/** A URL for the file; private ones carry a signature that expires (rounded up to the hour, so URLs stay cacheable). */
export async function mintFileUrl(env: Env, requestOrigin: string, key: string, isPublic: boolean, now: number): Promise<string> {
  const origin = publicOrigin(env, requestOrigin);
  if (isPublic) return fileUrl(origin, key);
  const ttl = Number(env.FILE_URL_TTL_SECONDS ?? DEFAULT_TTL_SECONDS);
  const exp = Math.ceil((now / 1000 + ttl) / HOUR) * HOUR;
  return `${fileUrl(origin, key)}?exp=${exp}&sig=${await signature(env, key, exp)}`;
}

export type SignatureCheck = "valid" | "missing" | "expired" | "invalid";

export async function checkSignature(env: Env, key: string, exp: string | undefined, sig: string | undefined, now: number): Promise<SignatureCheck> {
  if (!exp || !sig) return "missing";
  if (!/^\d{1,12}$/.test(exp)) return "invalid";
  if (!timingSafeEqual(await signature(env, key, Number(exp)), sig)) return "invalid";
  return Number(exp) * 1000 < now ? "expired" : "valid";
}
