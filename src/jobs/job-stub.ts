import type { Env } from "../env";
import type { JobDO } from "./job-do";

// The JobDO of a job, as its callers (admission, the surfaces, the AccountDO's alarm, callbacks) reach it.

/** The JobDO's RPC methods as callers see them (the generated RPC types of a recursive record are too deep for tsc). */
export type JobClient = Pick<JobDO, "create" | "createAndWait" | "read" | "waitForEnd" | "waitForAnswer" | "waitForNews" | "nudge" | "cancel" | "events" | "deliveries">;

export const jobStub = (env: Env, jobId: string): JobClient => env.JOBS.get(env.JOBS.idFromName(jobId)) as unknown as JobClient;
