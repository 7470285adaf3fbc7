// The one id generator. Job ids are random UUIDs (unguessable); other ids carry a readable prefix.
export const newJobId = (): string => crypto.randomUUID();

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `length` random base62 characters, unbiased (rejection sampling). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (let i = 0; i < bytes.length && out.length < length; i++) if (bytes[i]! < 248) out += BASE62[bytes[i]! % 62];
  }
  return out;
}

export const newId = (prefix: string): string => `${prefix}_${randomBase62(24)}`;
