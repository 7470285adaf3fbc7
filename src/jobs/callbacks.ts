import type { Env } from "../env";
import { PROVIDERS } from "../providers/registry";
import type { ProviderCallback, ProviderName } from "../providers/types";
import { jobStub } from "./job-stub";
import { jobOfUpstream } from "./provider-health";

// Upstream callbacks as the jobs see them (SPEC §4.5): which providers call back and how each is authenticated and
// read (their adapters say), and what a verified one does: find the job that waits for the upstream id and bring its
// next poll forward. The callback's content is never trusted; the job's poll confirms the state with the provider.

/** Every provider that calls back, with its callback (POST /hooks/<name>). */
export const CALLBACKS: readonly (readonly [ProviderName, ProviderCallback])[] = Object.values(PROVIDERS).flatMap((provider) =>
  provider.callback ? [[provider.name, provider.callback] as const] : [],
);

/** The callback's body schema, for the documentation. */
export function callbackSchema(name: ProviderName): ProviderCallback["schema"] {
  const found = CALLBACKS.find(([n]) => n === name);
  if (!found) throw new Error(`provider ${name} has no callback`);
  return found[1].schema;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function wakeJob(env: Env, provider: ProviderName, upstreamId: string, jobHint: string | null): Promise<boolean> {
  const jobId = jobHint !== null && UUID.test(jobHint) ? jobHint : await jobOfUpstream(env, provider, upstreamId);
  const woke = jobId === null ? false : await jobStub(env, jobId).nudge(upstreamId);
  // Bodies echo secrets (Leonardo's callback token): only ids are logged.
  console.log(JSON.stringify({ msg: "upstream callback", provider, upstreamId: upstreamId.slice(0, 64), jobId, woke }));
  return woke;
}
