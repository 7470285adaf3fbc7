import type { JobDO } from "./jobs/job-do";

/** Bindings, vars and secrets of the Worker (wrangler.toml, .dev.vars). */
export interface Env {
  KEYS: KVNamespace;
  FILES: R2Bucket;
  JOBS: DurableObjectNamespace<JobDO>;

  /** "development" (npm start), "test" (vitest) or "production". */
  ENVIRONMENT: string;
  /** "on" enables the built-in sandbox provider; on by default outside production. */
  SANDBOX?: string;
  SANDBOX_LATENCY_MS?: string;
  PROVIDER_ORDER?: string;
  JOB_DEADLINE_SECONDS?: string;
  FILE_URL_TTL_SECONDS?: string;

  FILE_SIGNING_SECRET?: string;
  /** The local development key printed by `npm start`; honoured only outside production. */
  DEV_API_KEY?: string;
}

export interface Principal {
  accountId: string;
  keyId: string;
}

export type AppEnv = { Bindings: Env; Variables: { principal: Principal; requestId: string } };

export const isDevelopment = (env: Env): boolean => env.ENVIRONMENT === "development" || env.ENVIRONMENT === "test";
