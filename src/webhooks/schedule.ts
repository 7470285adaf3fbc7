// When a failed delivery is tried again (SPEC §6): about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after each
// failure, each with ±20 % jitter so that a receiver coming back is not hit by every job at the same second.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export const RETRY_DELAYS_MS = [5_000, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR] as const;

/** Every attempt an event gets: the first and one per retry delay. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/**
 * The delay before the next attempt after `attempts` failed ones, or null when none is left. `scale` compresses the
 * whole schedule (WEBHOOK_RETRY_SCALE, default 1) for test and staging environments, such as the chaos run.
 */
export function retryDelayMs(attempts: number, random: () => number = Math.random, scale = 1): number | null {
  const base = RETRY_DELAYS_MS[attempts - 1];
  if (base === undefined) return null;
  return Math.round(base * scale * (0.8 + 0.4 * random()));
}

/** WEBHOOK_RETRY_SCALE as a number in (0, 1]; anything else means the real schedule. */
export function retryScale(value: string | undefined): number {
  const scale = Number(value);
  return Number.isFinite(scale) && scale > 0 && scale <= 1 ? scale : 1;
}
