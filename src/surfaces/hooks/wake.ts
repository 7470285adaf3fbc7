import type { Env } from "../../env";
import { jobStub } from "../../jobs/job-stub";
import { jobOfUpstream } from "../../jobs/provider-health";
import type { ProviderName } from "../../providers/names";

// What a verified callback does: find the job that waits for the upstream id and bring its next poll forward. The
// callback's content is never trusted; the job's poll confirms the state with the provider.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function wakeJob(env: Env, provider: ProviderName, upstreamId: string, jobHint: string | null): Promise<boolean> {
  const jobId = jobHint !== null && UUID.test(jobHint) ? jobHint : await jobOfUpstream(env, provider, upstreamId);
  const woke = jobId === null ? false : await jobStub(env, jobId).nudge(upstreamId);
  // Bodies echo secrets (Leonardo's callback token): only ids are logged.
  console.log(JSON.stringify({ msg: "upstream callback", provider, upstreamId: upstreamId.slice(0, 64), jobId, woke }));
  return woke;
}
