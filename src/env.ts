import type { AccountDO } from "./accounts/account-do";
import type { JobDO } from "./jobs/job-do";
import type { ProviderHealthDO } from "./jobs/provider-health-do";

/** Bindings, vars and secrets of the Worker (wrangler.toml, .dev.vars). */
export interface Env {
  KEYS: KVNamespace;
  FILES: R2Bucket;
  JOBS: DurableObjectNamespace<JobDO>;
  ACCOUNTS: DurableObjectNamespace<AccountDO>;
  /** One per upstream provider: circuit breaker, health figures, upstream id → job index. */
  PROVIDER_HEALTH: DurableObjectNamespace<ProviderHealthDO>;

  /** "development" (npm start), "test" (vitest) or "production". */
  ENVIRONMENT: string;
  /** "on" enables the built-in sandbox provider; on by default outside production. */
  SANDBOX?: string;
  SANDBOX_LATENCY_MS?: string;
  PROVIDER_ORDER?: string;
  /** How long routing may use an isolate's last view of a provider's health (ms, default 1000; 0: ask every time). */
  PROVIDER_HEALTH_CACHE_MS?: string;
  /** Lower per-call image limits, e.g. "openai=4,apiframe=5"; larger jobs fan out (SPEC §4.4). */
  PROVIDER_MAX_PER_CALL?: string;
  /** Time limit of one upstream API call (create, poll, upload); default 30. */
  UPSTREAM_TIMEOUT_SECONDS?: string;
  /** Time limit of one synchronous OpenAI generation; default 300. */
  OPENAI_TIMEOUT_SECONDS?: string;
  JOB_DEADLINE_SECONDS?: string;
  FILE_URL_TTL_SECONDS?: string;
  /** Default create rate limit per key (token bucket); a key may carry its own. */
  RATE_LIMIT_PER_MINUTE?: string;
  /** An account's storage quota: live uploads (default 500) and their bytes (default 2 GiB). */
  STORAGE_MAX_UPLOADS?: string;
  STORAGE_MAX_BYTES?: string;
  /** The operator's prices over the catalogue's (SPEC §3.3): JSON, model → quality → credits per image. */
  CREDIT_PRICES?: string;
  /** Opt-in upgrades of retired models (SPEC §3.4): "gpt-image-1.5=gpt-image-2.6-sunburst,…"; unset: none. */
  RETIRED_MODEL_UPGRADES?: string;

  FILE_SIGNING_SECRET?: string;
  /** Where file URLs point, e.g. "https://images.example.com": required in production; in development it defaults to the request's origin. */
  PUBLIC_BASE_URL?: string;
  /** Compresses the webhook retry schedule (0 < scale ≤ 1, default 1): for test and staging environments only. */
  WEBHOOK_RETRY_SCALE?: string;
  /** Guards /admin/*; when unset, every admin route is refused. */
  ADMIN_TOKEN?: string;

  /** Upstream providers: a provider without a key is not configured. Base URLs default to the real services. */
  LEONARDO_API_KEY?: string;
  LEONARDO_BASE_URL?: string;
  /** The callback token set on the Leonardo key; /hooks/leonardo accepts only `Authorization: Bearer <it>`. */
  LEONARDO_WEBHOOK_TOKEN?: string;
  APIFRAME_API_KEY?: string;
  APIFRAME_BASE_URL?: string;
  OPENAI_API_KEY?: string;
  OPENAI_BASE_URL?: string;
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
