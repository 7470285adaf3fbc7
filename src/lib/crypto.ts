// WebCrypto helpers: the only place that hashes or signs. Hex and base64 are the runtime's own (Uint8Array's
// toHex/fromHex/toBase64/fromBase64), as is the constant-time comparison (workerd's crypto.subtle.timingSafeEqual).
const encoder = new TextEncoder();

const view = (bytes: ArrayBuffer | Uint8Array): Uint8Array => (bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));

export const toHex = (bytes: ArrayBuffer | Uint8Array): string => view(bytes).toHex();

export const toBase64 = (bytes: ArrayBuffer | Uint8Array): string => view(bytes).toBase64();

/** Standard base64, padded or not (throws a SyntaxError on anything else). */
export const fromBase64 = (b64: string): Uint8Array => Uint8Array.fromBase64(b64);

const asBytes = (data: string | Uint8Array): Uint8Array => (typeof data === "string" ? encoder.encode(data) : data);

export async function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", asBytes(data)));
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  return toHex(await sha256(data));
}

export async function hmacSha256(key: string | Uint8Array, message: string | Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey("raw", asBytes(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, asBytes(message)));
}

/** The bytes of a hex string; null when it is not one. */
export function fromHex(hex: string): Uint8Array | null {
  try {
    return Uint8Array.fromHex(hex);
  } catch {
    return null;
  }
}

/** Checks a hex HMAC-SHA256 of `message` in constant time (WebCrypto's verify). */
export async function verifyHmacSha256(key: string | Uint8Array, message: string | Uint8Array, macHex: string): Promise<boolean> {
  const mac = fromHex(macHex);
  if (!mac || mac.length !== 32) return false;
  const k = await crypto.subtle.importKey("raw", asBytes(key), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  return crypto.subtle.verify("HMAC", k, mac, asBytes(message));
}

/** Constant-time comparison of two strings (length leaks, content does not). */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  return x.length === y.length && crypto.subtle.timingSafeEqual(x, y);
}
