import type { Env } from "../env";
import { now } from "../lib/clock";
import { providerByName } from "../providers/registry";
import type { ProviderName } from "../providers/names";
import type { Attempt, JobRecord } from "./record";

// Cancelling a job (POST /v2/jobs/:id/cancel): the job ends CANCELLED at once (its credits are refunded when it is
// saved); then, best effort, the upstream job it was waiting on is cancelled where the provider can, and that call
// is recorded in the job's attempts.

export const cancelledJob = (rec: JobRecord, at: number): JobRecord => ({
  ...rec,
  status: "CANCELLED",
  error: "The job was cancelled by its owner.",
  errorCode: "cancelled",
  completedAt: at,
  step: { kind: "end" },
  wakeAt: null,
});

export interface UpstreamJob {
  provider: ProviderName;
  upstreamId: string;
  attempt: number;
}

/**
 * The upstream jobs a job is waiting on: the one it polls. A create still in flight has no id yet; the JobDO cancels
 * what it made once it returns (JobDO.cancelLate).
 */
export const runningUpstream = (rec: JobRecord): UpstreamJob[] =>
  rec.step.kind === "poll" ? [{ provider: rec.step.provider, upstreamId: rec.step.upstreamId, attempt: rec.step.attempt }] : [];

/** Asks each provider to cancel; never throws. One attempt entry per upstream job says how it went. */
export async function cancelUpstream(env: Env, rec: JobRecord, jobs: UpstreamJob[]): Promise<Attempt[]> {
  return Promise.all(
    jobs.map(async ({ provider: name, upstreamId, attempt }): Promise<Attempt> => {
      const provider = providerByName(name);
      const started = now();
      const entry = { provider: name, outcome: "cancelled" as const, at: started, upstreamId };
      if (!provider.cancel) return { ...entry, ms: 0, detail: `${name} cannot cancel an upstream job; it runs to its end there` };
      try {
        await provider.cancel(upstreamId, { env, jobId: rec.id, attempt, now: started });
        return { ...entry, ms: now() - started, detail: "upstream job cancelled" };
      } catch (err) {
        return { ...entry, ms: now() - started, detail: `upstream cancel failed: ${provider.classifyError(err).message}` };
      }
    }),
  );
}
