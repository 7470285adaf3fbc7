// What `npm run bench` and `npm run bench:profile` configure alike: the key, the vars, the request shape.

export const BENCH_KEY = "ig_test_benchbenchbenchbenchbenchbench12";
export const OPENAI_KEY = "sk-bench-0123456789abcdef";
export const APIFRAME_KEY = "afk_bench_0123456789abcdef";

/** imagegate's vars: every job goes upstream to the simulator, the way production jobs go to providers. */
export const benchVars = (simUrl: string): Record<string, string> => ({
  ENVIRONMENT: "development",
  DEV_API_KEY: BENCH_KEY,
  FILE_SIGNING_SECRET: "bench-secret",
  SANDBOX: "off",
  PROVIDER_ORDER: "openai,apiframe",
  OPENAI_API_KEY: OPENAI_KEY,
  OPENAI_BASE_URL: `${simUrl}/openai/v1`,
  APIFRAME_API_KEY: APIFRAME_KEY,
  APIFRAME_BASE_URL: `${simUrl}/apiframe`,
  // The create benchmark's jobs wait on an upstream call that does not answer during the run.
  OPENAI_TIMEOUT_SECONDS: "3600",
});

export const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${BENCH_KEY}` }): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});
