import type { UpstreamCost } from "../providers/types";

// The account's job index: every admitted job, newest first, with what its reservation holds. A row is `ACTIVE`
// until the job's JobDO reports its end; `admitting` is set until the JobDO is known to exist. The key that admitted
// the job, and what the job reported when it ended (JobReport), are what GET /v2/usage and the key budgets read.

export type IndexedJob = { seq: number; id: string; model: string; created: number; status: string; reserved: number; charged: number; admitting: number };

export const ACTIVE = "ACTIVE";
/** How a job ended, as its JobDO reports it when it settles (the JobDO alone knows a running job's own status). */
export const ENDED_STATUSES = ["COMPLETED", "FAILED", "CANCELLED"] as const;
export type EndedStatus = (typeof ENDED_STATUSES)[number];
export const INDEX_STATUSES = [ACTIVE, ...ENDED_STATUSES] as const;
export type IndexStatus = (typeof INDEX_STATUSES)[number];

/** What an ended job reports for the account's usage (jobs/settle.ts makes it from the job's record). */
export interface JobReport {
  provider: string | null;
  images: number;
  /** From creation to the end. */
  ms: number;
  /** What the providers reported for all of the job's upstream calls, summed; a figure no provider gave is absent. */
  cost: UpstreamCost;
  /** The reported tokens at the model's list prices, in millionths of a dollar; null when either is unknown. */
  usdMicros?: number | null;
}

export function addJob(sql: SqlStorage, job: { id: string; keyId: string; model: string; created: number; reserved: number }): void {
  sql.exec(
    "INSERT INTO jobs (id, key_id, model, created, status, reserved, admitting) VALUES (?, ?, ?, ?, ?, ?, 1)",
    job.id,
    job.keyId,
    job.model,
    job.created,
    ACTIVE,
    job.reserved,
  );
}

export const indexedJob = (sql: SqlStorage, id: string): IndexedJob | null =>
  sql.exec<IndexedJob>("SELECT * FROM jobs WHERE id = ?", id).toArray()[0] ?? null;

export function markAdmitted(sql: SqlStorage, id: string): void {
  sql.exec("UPDATE jobs SET admitting = 0 WHERE id = ?", id);
}

/** `report` is absent when a JobDO of a version before reports settles (a deploy rolls out): the row keeps NULLs. */
export function closeJob(sql: SqlStorage, id: string, status: EndedStatus, charged: number, report?: JobReport): void {
  const cost = report?.cost ?? {};
  sql.exec(
    `UPDATE jobs SET status = ?, charged = ?, provider = ?, images = ?, ms = ?, api_credit_cost = ?, upstream_credit_cost = ?,
       input_tokens = ?, output_tokens = ?, total_tokens = ?, usd_micros = ?, admitting = 0 WHERE id = ?`,
    status,
    charged,
    report?.provider ?? null,
    report?.images ?? null,
    report?.ms ?? null,
    cost.apiCreditCost ?? null,
    cost.creditCost ?? null,
    cost.usage?.inputTokens ?? null,
    cost.usage?.outputTokens ?? null,
    cost.usage?.totalTokens ?? null,
    report?.usdMicros ?? null,
    id,
  );
}

export function removeJob(sql: SqlStorage, id: string): void {
  sql.exec("DELETE FROM jobs WHERE id = ?", id);
}

/** Jobs still being admitted since before `before` (their request may have died). */
export const staleAdmissions = (sql: SqlStorage, before: number): string[] =>
  sql.exec<{ id: string }>("SELECT id FROM jobs WHERE admitting = 1 AND created < ? ORDER BY created", before).toArray().map((r) => r.id);

export const oldestAdmission = (sql: SqlStorage): number | null =>
  sql.exec<{ created: number }>("SELECT created FROM jobs WHERE admitting = 1 ORDER BY created LIMIT 1").toArray()[0]?.created ?? null;

export interface JobQuery {
  limit: number;
  /** The `seq` below which to continue. */
  before: number | null;
  /** A job status (the surface validated it): rows still ACTIVE match any. */
  status: string | null;
  model: string | null;
}

/**
 * A page of job ids, newest first. With a status filter, jobs the index still holds as ACTIVE come too (their
 * live status is known only to their JobDO), so the caller filters the page again by the jobs' real status.
 */
export function listJobs(sql: SqlStorage, q: JobQuery): { ids: string[]; next: number | null } {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.before !== null) {
    where.push("seq < ?");
    args.push(q.before);
  }
  if (q.status !== null) {
    where.push("status IN (?, ?)");
    args.push(q.status, ACTIVE);
  }
  if (q.model !== null) {
    where.push("model = ?");
    args.push(q.model);
  }
  const rows = sql
    .exec<{ seq: number; id: string }>(
      `SELECT seq, id FROM jobs ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT ?`,
      ...args,
      q.limit + 1,
    )
    .toArray();
  const page = rows.slice(0, q.limit);
  return { ids: page.map((r) => r.id), next: rows.length > q.limit ? page[page.length - 1]!.seq : null };
}
