import type { JobRecord } from "./record";

// Cancelling a job (POST /v2/jobs/:id/cancel): the job ends CANCELLED at once (its credits are refunded when it is
// saved); then, best effort, the JobDO cancels the upstream jobs it was waiting on where the provider can
// (machine.ts cancelUpstream), and records how that went in the job's attempts. A create that was in flight has no
// upstream id yet; the JobDO cancels what it made once it returns.

export const cancelledJob = (rec: JobRecord, at: number): JobRecord => ({
  ...rec,
  status: "CANCELLED",
  error: "The job was cancelled by its owner.",
  errorCode: "cancelled",
  completedAt: at,
  step: { kind: "end" },
  wakeAt: null,
});
