import { sha256Hex } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";

// The `Idempotency-Key` header (SPEC §2.1): at most 255 printable ASCII characters; the request it names is its body.

const MAX_KEY_LENGTH = 255;

export async function idempotencyOf(header: string | undefined, body: string): Promise<{ key: string; bodyHash: string } | null> {
  if (header === undefined) return null;
  if (header.length === 0 || header.length > MAX_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(header)) {
    throw new ApiError("invalid_request", `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters.`, {
      errors: [{ path: "Idempotency-Key", message: `must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters` }],
    });
  }
  return { key: header, bodyHash: await sha256Hex(body) };
}
