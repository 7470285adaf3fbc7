import type { Env } from "../env";
import type { ProviderName } from "../providers/names";
import type { Health, Sample } from "./circuit";
import type { UpstreamLink } from "./provider-health-do";

// The JobDO's and the routes' view of the per-provider ProviderHealthDOs. Health bookkeeping never fails a job: a report
// that cannot be delivered is logged and dropped.

const upstream = (env: Env, name: ProviderName) => env.PROVIDER_HEALTH.get(env.PROVIDER_HEALTH.idFromName(name));

/** Each provider's health as its ProviderHealthDO has it now (GET /v2/status). */
export async function providersHealth(env: Env, names: ProviderName[], now: number): Promise<Record<string, Health>> {
  const figures = await Promise.all(names.map((name) => upstream(env, name).health(now)));
  return Object.fromEntries(names.map((name, i) => [name, figures[i]!]));
}

/**
 * What this isolate last learnt of each provider's health (asked, or given back by a report), and when. Routing goes on
 * it for PROVIDER_HEALTH_CACHE_MS (default 1000; 0 asks every time): a hop less per job under load, and a circuit that
 * opens is seen at once by the isolate whose report opened it, by the others within that time.
 */
export const learntHealth = new Map<ProviderName, { health: Health; at: number }>();

const cacheMs = (env: Env): number => Number(env.PROVIDER_HEALTH_CACHE_MS ?? 1000);

/** A provider's health for routing: as learnt within the cache time, else asked. */
export async function routingHealth(env: Env, name: ProviderName, now: number): Promise<Health> {
  const known = learntHealth.get(name);
  if (known && now >= known.at && now - known.at < cacheMs(env)) return known.health;
  const health = await upstream(env, name).health(now);
  learntHealth.set(name, { health, at: now });
  return health;
}

export const claimCall = (env: Env, name: ProviderName, now: number): Promise<boolean> => upstream(env, name).claim(now);

export async function reportOutcomes(env: Env, name: ProviderName, samples: Sample[], links: UpstreamLink[], now: number): Promise<void> {
  if (samples.length === 0 && links.length === 0) return;
  try {
    const health = await upstream(env, name).report(samples, links, now);
    if (health) learntHealth.set(name, { health, at: now });
  } catch (err) {
    console.log(JSON.stringify({ msg: "health report failed", provider: name, error: err instanceof Error ? err.name : "unknown" }));
  }
}

export const jobOfUpstream = (env: Env, name: ProviderName, upstreamId: string): Promise<string | null> => upstream(env, name).jobOf(upstreamId);
