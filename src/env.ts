import type { AccountDO } from "./accounts/account-do";
import type { JobDO } from "./jobs/job-do";

/** Bindings, vars and secrets of the Worker (wrangler.toml, .dev.vars). */
export interface Env {
  KEYS: KVNamespace;
  FILES: R2Bucket;
  JOBS: DurableObjectNamespace<JobDO>;
  ACCOUNTS: DurableObjectNamespace<AccountDO>;

  /** "development" (npm start), "test" (vitest) or "production". */
  ENVIRONMENT: string;
  /** "on" enables the built-in sandbox provider; on by default outside production. */
  SANDBOX?: string;
  SANDBOX_LATENCY_MS?: string;
  PROVIDER_ORDER?: string;
  JOB_DEADLINE_SECONDS?: string;
  FILE_URL_TTL_SECONDS?: string;
  /** Default create rate limit per key (token bucket); a key may carry its own. */
  RATE_LIMIT_PER_MINUTE?: string;

  FILE_SIGNING_SECRET?: string;
  /** Guards /admin/*; when unset, every admin route is refused. */
  ADMIN_TOKEN?: string;
  /** The local development key printed by `npm start`: seeded as a real key with credits on first use, outside production only. */
  DEV_API_KEY?: string;
}

export interface Principal {
  accountId: string;
  keyId: string;
  /** The key's create rate limit (its own, or the default). */
  requestsPerMinute: number;
}

export type AppEnv = { Bindings: Env; Variables: { principal: Principal; requestId: string } };

export const isDevelopment = (env: Env): boolean => env.ENVIRONMENT === "development" || env.ENVIRONMENT === "test";
