import type { Env, Principal } from "../env";
import { isDevelopment } from "../env";
import { sha256Hex, timingSafeEqual } from "../lib/crypto";
import { now } from "../lib/clock";
import { newId, randomBase62 } from "../lib/ids";
import { accountStub } from "./account-stub";
import type { Budget } from "./budget";

// API keys (SPEC §7): `ig_live_<32 base62>` (`ig_test_` outside production), shown once, stored only as the SHA-256
// of the key in KV. `key:<hash>` → the key's record; `keyid:<id>` → its hash, so an admin can revoke it by id.

const KEY_PATTERN = /^ig_(live|test)_[0-9A-Za-z]{32}$/;
const DEFAULT_REQUESTS_PER_MINUTE = 60;
/** How long an isolate trusts what it read from KV; a revoked key stops working everywhere within this. */
export const KEY_CACHE_MS = 10_000;
const KEY_CACHE_MAX = 1000;

export interface RateLimit {
  requestsPerMinute: number;
}

export interface KeyRecord {
  hash: string;
  accountId: string;
  keyId: string;
  name: string;
  scopes: string[];
  rateLimit: RateLimit | null;
  created: number;
}

interface KeyIdRecord {
  hash: string;
  accountId: string;
  revoked: number | null;
}

export interface MintedKey {
  id: string;
  key: string;
  accountId: string;
}

const keyEntry = (hash: string): string => `key:${hash}`;
const idEntry = (keyId: string): string => `keyid:${keyId}`;

/** The development key of `npm start` (and of the tests) lives in this account. */
export const DEV_ACCOUNT_ID = "acct_dev";
/** Named after the key's hash, so a new development key (a fresh .dev.vars) is seeded even if an old one was revoked. */
const devKeyId = (hash: string): string => `key_dev_${hash.slice(0, 16)}`;
/** Credits the development account starts with, granted once. */
export const DEV_CREDITS = 100_000;
const DEV_REQUESTS_PER_MINUTE = 1000;

/** What keys resolved to, by the key presented, so that a hit costs no hashing; revocation matches the hash. */
const cache = new Map<string, { hash: string; principal: Principal | null; until: number }>();

function remember(key: string, hash: string, principal: Principal | null): void {
  if (cache.size >= KEY_CACHE_MAX) cache.delete(cache.keys().next().value!);
  cache.set(key, { hash, principal, until: now() + KEY_CACHE_MS });
}

function defaultRequestsPerMinute(env: Env): number {
  const n = Number(env.RATE_LIMIT_PER_MINUTE ?? DEFAULT_REQUESTS_PER_MINUTE);
  return Number.isFinite(n) && n >= 1 ? Math.floor(n) : DEFAULT_REQUESTS_PER_MINUTE;
}

const principalOf = (env: Env, rec: KeyRecord): Principal => ({
  accountId: rec.accountId,
  keyId: rec.keyId,
  requestsPerMinute: rec.rateLimit?.requestsPerMinute ?? defaultRequestsPerMinute(env),
});

/** Listed with each `keyid:` entry, so that the accounts can be listed without reading every entry. */
type KeyIdMetadata = { accountId: string };

async function storeKey(env: Env, rec: KeyRecord): Promise<void> {
  await env.KEYS.put(idEntry(rec.keyId), JSON.stringify({ hash: rec.hash, accountId: rec.accountId, revoked: null } satisfies KeyIdRecord), {
    metadata: { accountId: rec.accountId } satisfies KeyIdMetadata,
  });
  await env.KEYS.put(keyEntry(rec.hash), JSON.stringify(rec));
}

/** Makes a key; the caller shows it once. A new account is opened unless `accountId` names one. */
export async function mintKey(env: Env, input: { name: string; accountId?: string; rateLimit?: RateLimit; budget?: Budget }): Promise<MintedKey> {
  const key = `ig_${env.ENVIRONMENT === "production" ? "live" : "test"}_${randomBase62(32)}`;
  const rec: KeyRecord = {
    hash: await sha256Hex(key),
    accountId: input.accountId ?? newId("acct"),
    keyId: newId("key"),
    name: input.name,
    scopes: ["images"],
    rateLimit: input.rateLimit ?? null,
    created: now(),
  };
  // The budget is in force before the key exists, so no create can ever pass it.
  if (input.budget) await accountStub(env, rec.accountId).setBudget(rec.keyId, input.budget);
  await storeKey(env, rec);
  return { id: rec.keyId, key, accountId: rec.accountId };
}

/** Revokes a key by id: false when there is no such key. Its account refuses it at once; every isolate within KEY_CACHE_MS. */
export async function revokeKey(env: Env, keyId: string): Promise<boolean> {
  const entry = await env.KEYS.get<KeyIdRecord>(idEntry(keyId), "json");
  if (!entry || entry.revoked !== null) return false;
  await accountStub(env, entry.accountId).revokeKey(keyId);
  await env.KEYS.put(idEntry(keyId), JSON.stringify({ ...entry, revoked: now() } satisfies KeyIdRecord), {
    metadata: { accountId: entry.accountId } satisfies KeyIdMetadata,
  });
  await env.KEYS.delete(keyEntry(entry.hash));
  for (const [key, cached] of cache) if (cached.hash === entry.hash) cache.delete(key);
  return true;
}

/** The account of a key, revoked or not (its usage stays); null when there never was such a key. */
export async function keyOwner(env: Env, keyId: string): Promise<{ accountId: string; revoked: boolean } | null> {
  const entry = await env.KEYS.get<KeyIdRecord>(idEntry(keyId), "json");
  return entry ? { accountId: entry.accountId, revoked: entry.revoked !== null } : null;
}

/** Every account that has or had a key, from the `keyid:` entries (one read each only for entries older than their metadata). */
export async function knownAccounts(env: Env): Promise<string[]> {
  const accounts = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await env.KEYS.list<KeyIdMetadata>({ prefix: "keyid:", ...(cursor ? { cursor } : {}) });
    for (const { name, metadata } of page.keys) {
      const accountId = metadata?.accountId ?? (await env.KEYS.get<KeyIdRecord>(name, "json"))?.accountId;
      if (accountId) accounts.add(accountId);
    }
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
  return [...accounts].sort();
}

/** The development key becomes a real key (with credits) the first time it is used, unless it was revoked. */
async function seedDevelopmentKey(env: Env, hash: string): Promise<KeyRecord | null> {
  if (await env.KEYS.get(idEntry(devKeyId(hash)))) return null;
  const rec: KeyRecord = {
    hash,
    accountId: DEV_ACCOUNT_ID,
    keyId: devKeyId(hash),
    name: "development",
    scopes: ["images"],
    rateLimit: { requestsPerMinute: DEV_REQUESTS_PER_MINUTE },
    created: now(),
  };
  await accountStub(env, DEV_ACCOUNT_ID).grant(DEV_CREDITS, "dev-seed");
  await storeKey(env, rec);
  return rec;
}

export async function resolveKey(env: Env, key: string): Promise<Principal | null> {
  if (!KEY_PATTERN.test(key)) return null;
  const cached = cache.get(key);
  if (cached && cached.until > now()) return cached.principal;
  const hash = await sha256Hex(key);
  let rec = await env.KEYS.get<KeyRecord>(keyEntry(hash), "json");
  if (!rec && isDevelopment(env) && env.DEV_API_KEY && timingSafeEqual(key, env.DEV_API_KEY)) {
    rec = await seedDevelopmentKey(env, hash);
  }
  // The lookup is by hash; the stored hash is compared again in constant time before it is trusted.
  const principal = rec && timingSafeEqual(rec.hash, hash) ? principalOf(env, rec) : null;
  remember(key, hash, principal);
  return principal;
}
