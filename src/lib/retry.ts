// Backoff with full jitter (AWS architecture blog): a random delay in [0, min(cap, base * 2^n)).
export function backoffMs(tries: number, baseMs = 1000, capMs = 30_000): number {
  return Math.floor(Math.random() * Math.min(capMs, baseMs * 2 ** Math.max(0, tries)));
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from now; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
