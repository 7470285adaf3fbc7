import { toHex } from "../lib/crypto";
import { ApiError } from "../lib/errors";

// The `Idempotency-Key` header (SPEC §2.1), on every surface's create: at most 255 printable ASCII characters. The
// request it names is its route and its validated body in canonical form (as RFC 8785: keys sorted by code unit, no
// whitespace, JSON.stringify's numbers and escapes), so key order and spacing do not make two requests differ. A file
// (a multipart edit's image) counts by the sha256 of its bytes; its name and declared type do not count.

const MAX_KEY_LENGTH = 255;
/** Text is hashed in pieces of about this many characters, so a 32 MB edit is never copied whole. */
const PIECE = 64 * 1024;

export interface Idempotency {
  key: string;
  bodyHash: string;
}

/** Feeds the canonical text into SHA-256 a piece at a time (DigestStream hashes as it is written). */
class Hasher {
  private readonly digest = new crypto.DigestStream("SHA-256");
  private readonly writer = this.digest.getWriter();
  private readonly encoder = new TextEncoder();
  private pending = "";

  async text(s: string): Promise<void> {
    this.pending += s;
    if (this.pending.length >= PIECE) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length > 0) await this.writer.write(this.encoder.encode(this.pending));
    this.pending = "";
  }

  /** A long string goes as consecutive quoted slices: still one text per string, never a copy of it whole. */
  async string(s: string): Promise<void> {
    if (s.length <= PIECE) return this.text(JSON.stringify(s));
    for (let at = 0; at < s.length; at += PIECE) await this.text(JSON.stringify(s.slice(at, at + PIECE)));
  }

  /** A validated body: JSON values, and the files of a multipart form. */
  async value(v: unknown): Promise<void> {
    if (typeof v === "string") return this.string(v);
    if (typeof v === "number" || typeof v === "boolean") return this.text(JSON.stringify(v));
    if (typeof v !== "object" || v === null) return this.text("null");
    if (v instanceof File) {
      const sha = new crypto.DigestStream("SHA-256");
      await v.stream().pipeTo(sha);
      // Not JSON, so a file never hashes like a string field.
      return this.text(`<sha256:${toHex(await sha.digest)}>`);
    }
    if (Array.isArray(v)) {
      await this.text("[");
      for (const [i, item] of v.entries()) {
        if (i > 0) await this.text(",");
        await this.value(item);
      }
      return this.text("]");
    }
    // An undefined member is an absent one (JSON has no undefined).
    const fields = Object.entries(v).filter(([, value]) => value !== undefined);
    fields.sort(([a], [b]) => (a < b ? -1 : 1));
    await this.text("{");
    for (const [i, [k, value]] of fields.entries()) {
      await this.text(`${i > 0 ? "," : ""}${JSON.stringify(k)}:`);
      await this.value(value);
    }
    await this.text("}");
  }

  async hex(): Promise<string> {
    await this.flush();
    await this.writer.close();
    return toHex(await this.digest.digest);
  }
}

/** The hash an idempotency record keeps: the route (a key reused on another route is another request) and the body. */
export async function requestHash(route: string, body: unknown): Promise<string> {
  const hasher = new Hasher();
  await hasher.text(`${route}\n`);
  await hasher.value(body);
  return hasher.hex();
}

/** The header checked, and the request hashed; null without the header. */
export async function idempotencyOf(header: string | undefined, route: string, body: unknown): Promise<Idempotency | null> {
  if (header === undefined) return null;
  if (header.length === 0 || header.length > MAX_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(header)) {
    throw new ApiError("invalid_request", `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters.`, {
      errors: [{ path: "Idempotency-Key", message: `must be 1 to ${MAX_KEY_LENGTH} printable ASCII characters` }],
    });
  }
  return { key: header, bodyHash: await requestHash(route, body) };
}
