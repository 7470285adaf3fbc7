// The one id generator. Job ids are random UUIDs (unguessable); other ids carry a readable prefix.
export const newJobId = (): string => crypto.randomUUID();

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Random bytes drawn in bulk, each used once: a getRandomValues call costs far more than the few bytes an id needs. */
const pool = new Uint8Array(4096);
let used = pool.length;

function randomByte(): number {
  if (used === pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  return pool[used++]!;
}

/** `length` random base62 characters, unbiased (rejection sampling). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

export const newId = (prefix: string): string => `${prefix}_${randomBase62(24)}`;
