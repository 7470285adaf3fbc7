import * as z from "zod";
import type { Env } from "../../env";
import { WINDOW_MS } from "../../jobs/circuit";
import { healthOf } from "../../jobs/health";
import { PROVIDER_NAMES } from "../../providers/names";
import { PROVIDERS } from "../../providers/registry";

// GET /v2/status: provider health as a status page shows it (no key needed; it names no account and no secret).

export const StatusView = z
  .object({
    providers: z.array(
      z.object({
        name: z.string(),
        configured: z.boolean(),
        circuit: z.enum(["closed", "open", "half_open"]).nullable(),
        errorRate: z.number().nullable(),
        calls: z.number(),
        p50Ms: z.number().nullable(),
        openedAt: z.string().nullable(),
      }),
    ),
    windowSeconds: z.number(),
  })
  .meta({ id: "Status" });

export async function statusView(env: Env, now: number): Promise<z.infer<typeof StatusView>> {
  const configured = PROVIDER_NAMES.filter((name) => PROVIDERS[name]?.configured(env));
  const health = await healthOf(env, configured, now);
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
