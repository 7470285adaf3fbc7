import { fromBase64, hmacSha256, toBase64 } from "../lib/crypto";

// Standard Webhooks signatures (standardwebhooks.com): `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed
// with the base64-decoded part of a `whsec_` secret. During a rotation overlap every valid secret signs, and the
// signatures go space-separated in one header, so a receiver holding either secret accepts the delivery.

const PREFIX = "whsec_";

export const signingKey = (secret: string): Uint8Array => fromBase64(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret);

export async function signatureHeader(secrets: string[], webhookId: string, timestampSeconds: number, body: string): Promise<string> {
  const content = `${webhookId}.${timestampSeconds}.${body}`;
  const signatures = await Promise.all(secrets.map(async (secret) => `v1,${toBase64(await hmacSha256(signingKey(secret), content))}`));
  return signatures.join(" ");
}
