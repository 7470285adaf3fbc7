import type { Env } from "../env";
import type { ProviderName } from "../providers/names";
import type { Health, Sample } from "./circuit";
import type { UpstreamLink } from "./provider-health-do";

// The JobDO's and the routes' view of the per-provider ProviderHealthDOs. Health bookkeeping never fails a job: a report
// that cannot be delivered is logged and dropped.

const upstream = (env: Env, name: ProviderName) => env.PROVIDER_HEALTH.get(env.PROVIDER_HEALTH.idFromName(name));

export async function providersHealth(env: Env, names: ProviderName[], now: number): Promise<Record<string, Health>> {
  const figures = await Promise.all(names.map((name) => upstream(env, name).health(now)));
  return Object.fromEntries(names.map((name, i) => [name, figures[i]!]));
}

export const claimCall = (env: Env, name: ProviderName, now: number): Promise<boolean> => upstream(env, name).claim(now);

export async function reportOutcomes(env: Env, name: ProviderName, samples: Sample[], links: UpstreamLink[], now: number): Promise<void> {
  if (samples.length === 0 && links.length === 0) return;
  try {
    await upstream(env, name).report(samples, links, now);
  } catch (err) {
    console.log(JSON.stringify({ msg: "health report failed", provider: name, error: err instanceof Error ? err.name : "unknown" }));
  }
}

export const jobOfUpstream = (env: Env, name: ProviderName, upstreamId: string): Promise<string | null> => upstream(env, name).jobOf(upstreamId);
