import type { JobStatus } from "../jobs/record";

// The account's job index: every admitted job, newest first, with what its reservation holds. A row is `ACTIVE`
// until the job's JobDO reports its end; `admitting` is set until the JobDO is known to exist.

export type IndexedJob = { seq: number; id: string; model: string; created: number; status: string; reserved: number; charged: number; admitting: number };

export const ACTIVE = "ACTIVE";

export function addJob(sql: SqlStorage, job: { id: string; model: string; created: number; reserved: number }): void {
  sql.exec(
    "INSERT INTO jobs (id, model, created, status, reserved, admitting) VALUES (?, ?, ?, ?, ?, 1)",
    job.id,
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

export function closeJob(sql: SqlStorage, id: string, status: JobStatus, charged: number): void {
  sql.exec("UPDATE jobs SET status = ?, charged = ? WHERE id = ?", status, charged, id);
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
  status: JobStatus | null;
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
