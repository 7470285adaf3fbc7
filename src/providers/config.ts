import type { Env } from "../env";
import type { ProviderName } from "./names";

// Settings shared by the adapters: base URLs and the per-call image limit an operator may lower.

/** A base URL without its trailing slash. */
export const baseUrl = (value: string | undefined, fallback: string): string => (value?.trim() || fallback).replace(/\/+$/, "");

/**
 * Most images per upstream call: the wire limit, or less when PROVIDER_MAX_PER_CALL says so
 * ("openai=4,apiframe=5": a provider's configured concurrency, SPEC §4.4).
 */
export function maxPerCall(env: Env, name: ProviderName, wireLimit: number): number {
  for (const item of (env.PROVIDER_MAX_PER_CALL ?? "").split(",")) {
    const [key, value] = item.split("=").map((s) => s.trim());
    const n = Number(value);
    if (key === name && Number.isInteger(n) && n >= 1) return Math.min(n, wireLimit);
  }
  return wireLimit;
}
