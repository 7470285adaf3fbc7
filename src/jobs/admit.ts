import { CATALOGUE, creditCost, type JobSpec } from "../catalogue";
import { lifecycleStatus } from "../catalogue/lifecycle";
import type { Env, Principal } from "../env";
import { ApiError } from "../lib/errors";
import { now } from "../lib/clock";
import { newJobId } from "../lib/ids";
import type { ProviderName } from "../providers/names";
import type { Json } from "../lib/json";
import type { JobDO } from "./job-do";
import type { JobRecord, WebhookTarget } from "./record";
import { chooseCandidates } from "./routing";

/** A surface's request, translated: the spec plus what the job needs beyond it. */
export interface JobRequest {
  spec: JobSpec;
  providers: ProviderName[] | null;
  public: boolean;
  metadata: Record<string, string>;
  webhook: WebhookTarget | null;
  input: Json;
}

/** The JobDO's RPC methods as callers see them (the generated RPC types of a recursive record are too deep for tsc). */
export type JobClient = Pick<JobDO, "create" | "read" | "waitForEnd" | "nudge">;

export const jobStub = (env: Env, jobId: string): JobClient =>
  env.JOBS.get(env.JOBS.idFromName(jobId)) as unknown as JobClient;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Reads a job the principal owns; any other job, or none, is 404. */
export async function readOwnJob(env: Env, principal: Principal, jobId: string): Promise<JobRecord> {
  const rec = UUID.test(jobId) ? await jobStub(env, jobId).read() : null;
  if (!rec || rec.accountId !== principal.accountId) throw new ApiError("not_found", `No job ${jobId}.`);
  return rec;
}

/** Admission (SPEC §5): lifecycle, routing, then the JobDO. The upstream call runs later, from the JobDO's alarm. */
export async function admitJob(env: Env, principal: Principal, request: JobRequest, origin: string): Promise<JobRecord> {
  const entry = CATALOGUE[request.spec.model];
  if (lifecycleStatus(entry, now()) === "retired") {
    throw new ApiError("model_retired", `${entry.id} was retired on ${entry.lifecycle.sunsetOn}; use ${entry.lifecycle.successor} instead.`, {
      extra: { successor: entry.lifecycle.successor },
    });
  }
  const candidates = chooseCandidates(env, request.spec, request.providers);
  const id = newJobId();
  return jobStub(env, id).create({
    id,
    accountId: principal.accountId,
    origin,
    spec: request.spec,
    candidates,
    creditCost: creditCost(entry, request.spec.quality, request.spec.quantity),
    public: request.public,
    metadata: request.metadata,
    webhook: request.webhook,
    input: request.input,
  });
}
