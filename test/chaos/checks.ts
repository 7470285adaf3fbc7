// What the chaos run checks from the outside, once every job has ended.
import { createHash } from "node:crypto";

export interface JobView {
  id: string;
  status: string;
  errorCode: string | null;
  creditCost: number;
  webhookStatus: string | null;
  attempts: { provider: string; outcome: string; upstreamId?: string }[];
  result: { files: { url: string; sha256: string; byteSize: number }[] } | null;
}

export interface SimCall {
  provider: string;
  kind: string;
  method: string;
  path: string;
  idempotencyKey: string | null;
  status: number | null;
  prompt: string | null;
}

const CREATE_PATH = /(\/v2\/generations|\/v2\/images\/generate|\/v1\/images\/(generations|edits))$/;

/**
 * Upstream jobs created beyond one per attempt.
 * - Leonardo and OpenAI cannot deduplicate: each successful create must be an attempt on the job's trail that
 *   reached the provider (accepted, completed, or of unknown outcome — a create that timed out is never re-sent).
 * - apiframe deduplicates by Idempotency-Key, and imagegate's key names the job and the attempt
 *   (`imagegate-<jobId>-<attempt>`): a create without that key could make a second upstream job for one attempt.
 */
export function duplicatedCreates(job: JobView, calls: SimCall[]): number {
  const created = (provider: string) =>
    calls.filter((c) => c.provider === provider && c.method === "POST" && CREATE_PATH.test(c.path) && c.status !== null && c.status < 300);
  let duplicated = 0;
  for (const provider of ["leonardo", "openai"]) {
    const attempts = job.attempts.filter((a) => a.provider === provider && ["accepted", "completed", "unknown"].includes(a.outcome)).length;
    duplicated += Math.max(0, created(provider).length - attempts);
  }
  const keyOfJob = new RegExp(`^imagegate-${job.id}-\\d+$`);
  duplicated += created("apiframe").filter((c) => !keyOfJob.test(c.idempotencyKey ?? "")).length;
  return duplicated;
}

/** Downloads every file of a completed job and checks its bytes against the job's sha256 and size. */
export async function verifyFiles(job: JobView): Promise<{ verified: number; bad: string[] }> {
  const bad: string[] = [];
  let verified = 0;
  for (const file of job.result?.files ?? []) {
    const res = await fetch(file.url);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const sha = createHash("sha256").update(bytes).digest("hex");
    if (res.status === 200 && sha === file.sha256 && bytes.length === file.byteSize) verified++;
    else bad.push(`${job.id} ${file.url.split("?")[0]}: status ${res.status}, ${bytes.length} bytes`);
  }
  return { verified, bad };
}

export const terminalEvent = (status: string): string => `job.${status.toLowerCase()}`;

/** The totals of GET /v2/usage, as far as the chaos run checks them. */
export interface UsageTotals {
  jobs: { total: number; active: number; completed: number; failed: number; cancelled: number };
  images: number;
  credits: { reserved: number; held: number; spent: number; refunded: number };
}

/** Where the usage totals disagree with the ledger (GET /v2/me) or with the jobs as read one by one. */
export function usageDisagreements(usage: UsageTotals, ledger: { reserved: number; spent: number }, views: JobView[]): string[] {
  const problems: string[] = [];
  const expect = (what: string, got: number, want: number) => got !== want && problems.push(`usage: ${what} ${got}, expected ${want}`);
  expect("credits spent", usage.credits.spent, ledger.spent);
  expect("credits held", usage.credits.held, ledger.reserved);
  expect("credits reserved", usage.credits.reserved, usage.credits.held + usage.credits.spent + usage.credits.refunded);
  expect("jobs", usage.jobs.total, views.length);
  for (const status of ["completed", "failed", "cancelled"] as const) {
    expect(`${status} jobs`, usage.jobs[status], views.filter((v) => v.status === status.toUpperCase()).length);
  }
  expect("images", usage.images, views.reduce((n, v) => n + (v.status === "COMPLETED" ? (v.result?.files.length ?? 0) : 0), 0));
  return problems;
}
