import type { Env } from "../../env";
import { WINDOW_MS } from "../../jobs/circuit";
import { providersHealth } from "../../jobs/provider-health";
import { PROVIDER_NAMES, configuredProviders } from "../../jobs/routing";
import type { StatusView } from "./status.docs";

// GET /v2/status: provider health as a status page shows it (no key needed; it names no account and no secret).

export async function statusView(env: Env, now: number): Promise<StatusView> {
  const health = await providersHealth(env, configuredProviders(env), now);
  return {
    providers: PROVIDER_NAMES.map((name) => {
      const h = health[name];
      return {
        name,
        configured: h !== undefined,
        circuit: h?.state ?? null,
        errorRate: h?.errorRate ?? null,
        calls: h?.calls ?? 0,
        p50Ms: h?.p50Ms ?? null,
        openedAt: h?.openedAt != null && h.state !== "closed" ? new Date(h.openedAt).toISOString() : null,
      };
    }),
    windowSeconds: WINDOW_MS / 1000,
  };
}
