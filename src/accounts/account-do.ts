import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { now } from "../lib/clock";
import { KnownAlarm } from "../lib/known-alarm";
import { newId } from "../lib/ids";
import { checkIdempotency, forgetIdempotency, recordIdempotency } from "./idempotency";
import { addJob, closeJob, indexedJob, type EndedStatus, type JobReport, listJobs, markAdmitted, oldestAdmission, removeJob, staleAdmissions, ACTIVE, type JobQuery } from "./job-index";
import { grantCredits, readLedger, reserveCredits, settleCredits, type Ledger } from "./ledger";
import { takeKeyToken, type RateState } from "./rate-limit";
import { migrate } from "./schema";
import { budgets, overBudget, setBudget, type Budget, type BudgetState } from "./budget";
import { costliestJobs, usageCells, type CostlyJob, type UsageCell, type UsageQuery } from "./usage-cells";
import { releaseStorage, reserveStorage, settleStorage, storageUse, type StorageLimits, type StorageView } from "./storage-quota";
import { rotateWebhookSecret, webhookSecrets } from "./webhook-secrets";

// One Durable Object per account: create rate limits, the credit ledger, idempotency records, the job index and the
// webhook signing secrets. Every decision runs synchronously on SQLite inside one RPC call, so two concurrent creates
// are serialised here and cannot both spend the last credits.

/** A reservation whose request did not report back within this is resolved by the alarm (kept or released). */
export const ADMISSION_GRACE_MS = 60_000;

export interface AdmitRequest {
  keyId: string;
  requestsPerMinute: number;
  jobId: string;
  model: string;
  cost: number;
  /** Reference URLs the job will fetch: each takes a rate-limit token besides the create's own. */
  fetches: number;
  idempotency: { key: string; bodyHash: string } | null;
}

export type AdmitResult =
  | { kind: "revoked" }
  | { kind: "rate_limited"; rate: RateState }
  | { kind: "insufficient"; rate: RateState; required: number; available: number }
  | { kind: "over_budget"; rate: RateState; required: number; budget: BudgetState }
  | { kind: "mismatch"; rate: RateState }
  | { kind: "unconfirmed"; rate: RateState; jobId: string }
  | { kind: "replay"; rate: RateState; jobId: string }
  | { kind: "reserved"; rate: RateState };

export interface UploadRequest {
  keyId: string;
  requestsPerMinute: number;
  uploadId: string;
  /** The most the upload may hold: its room in the storage quota until it is settled. */
  bytes: number;
  expiresAt: number;
  limits: StorageLimits;
}

export type UploadGate =
  | { kind: "revoked" }
  | { kind: "rate_limited"; rate: RateState }
  | { kind: "over_quota"; rate: RateState; storage: StorageView; freesAt: number | null }
  | { kind: "reserved"; rate: RateState };

export interface AccountView {
  ledger: Ledger;
  /** The budgets of the account's keys, with what each has used this period. */
  budgets: BudgetState[];
  /** Live uploads against the quota; limits are the caller's (vars), so they are filled in there. */
  storage: { uploads: number; bytes: number };
  webhookSecret: string;
  previousWebhookSecretRetiresAt: number | null;
}

export class AccountDO extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly alarms: KnownAlarm;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.alarms = new KnownAlarm(ctx.storage);
    migrate(this.sql);
  }

  private revoked(keyId: string): boolean {
    return this.sql.exec("SELECT 1 FROM revoked_keys WHERE key_id = ?", keyId).toArray().length > 0;
  }

  /** Admission, in the order of SPEC §5: rate limit, idempotency, then the reservation. */
  async admit(req: AdmitRequest): Promise<AdmitResult> {
    const at = now();
    const result = this.ctx.storage.transactionSync((): AdmitResult => {
      if (this.revoked(req.keyId)) return { kind: "revoked" };
      const { allowed, state: rate } = takeKeyToken(this.sql, req.keyId, req.requestsPerMinute, at, 1 + req.fetches);
      if (!allowed) return { kind: "rate_limited", rate };
      if (req.idempotency) {
        const seen = checkIdempotency(this.sql, req.idempotency.key, req.idempotency.bodyHash, at);
        if (seen.kind !== "new") return { ...seen, rate };
      }
      const over = overBudget(this.sql, req.keyId, req.cost, at);
      if (over) return { kind: "over_budget", rate, required: req.cost, budget: over };
      if (!reserveCredits(this.sql, req.cost)) {
        return { kind: "insufficient", rate, required: req.cost, available: readLedger(this.sql).balance };
      }
      addJob(this.sql, { id: req.jobId, keyId: req.keyId, model: req.model, created: at, reserved: req.cost });
      if (req.idempotency) recordIdempotency(this.sql, req.idempotency.key, req.idempotency.bodyHash, req.jobId, at);
      return { kind: "reserved", rate };
    });
    if (result.kind === "reserved" && (await this.alarms.get()) === null) await this.alarms.set(at + ADMISSION_GRACE_MS);
    return result;
  }

  /** An upload takes a create token, then room in the storage quota (storage-quota.ts), in one transaction. */
  async reserveUpload(req: UploadRequest): Promise<UploadGate> {
    const at = now();
    return this.ctx.storage.transactionSync((): UploadGate => {
      if (this.revoked(req.keyId)) return { kind: "revoked" };
      const { allowed, state: rate } = takeKeyToken(this.sql, req.keyId, req.requestsPerMinute, at);
      if (!allowed) return { kind: "rate_limited", rate };
      const room = reserveStorage(this.sql, req.uploadId, req.bytes, req.expiresAt, req.limits, at);
      if (!room.ok) return { kind: "over_quota", rate, storage: { ...room.use, ...req.limits }, freesAt: room.freesAt };
      return { kind: "reserved", rate };
    });
  }

  async settleUpload(uploadId: string, bytes: number): Promise<void> {
    settleStorage(this.sql, uploadId, bytes);
  }

  async releaseUpload(uploadId: string): Promise<void> {
    releaseStorage(this.sql, uploadId);
  }

  /**
   * The job's JobDO exists: the admission is complete (an idempotent replay now returns it without asking the JobDO).
   * A job's settlement says so too, and a job still running after the grace is found by the alarm: the create path
   * does not call this (one hop fewer per job), a replay that found the JobDO does.
   */
  async admitted(jobId: string): Promise<void> {
    markAdmitted(this.sql, jobId);
  }

  /** The JobDO was never made: give the credits back and forget the job and its idempotency record. */
  async release(jobId: string): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      const job = indexedJob(this.sql, jobId);
      if (!job || job.status !== ACTIVE) return;
      settleCredits(this.sql, job.reserved, 0);
      forgetIdempotency(this.sql, jobId);
      removeJob(this.sql, jobId);
    });
  }

  /**
   * The job ended (called by its JobDO until it succeeds): `charge` is spent, the rest of the reservation refunded.
   * Idempotent per job: only the first call for a job moves credits.
   */
  async settle(jobId: string, status: EndedStatus, charge: number, report?: JobReport): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      const job = indexedJob(this.sql, jobId);
      if (!job || job.status !== ACTIVE) return;
      const charged = status === "COMPLETED" ? Math.max(0, Math.min(charge, job.reserved)) : 0;
      settleCredits(this.sql, job.reserved, charged);
      closeJob(this.sql, jobId, status, charged, report);
    });
  }

  /** Adds (or removes, when negative) credits; a repeated `grantId` changes nothing. */
  async grant(amount: number, grantId: string = newId("grant")): Promise<{ ok: boolean; ledger: Ledger }> {
    const outcome = this.ctx.storage.transactionSync(() => grantCredits(this.sql, amount, grantId, now()));
    return { ok: outcome !== "negative", ledger: readLedger(this.sql) };
  }

  async revokeKey(keyId: string): Promise<void> {
    this.sql.exec("INSERT OR IGNORE INTO revoked_keys (key_id, at) VALUES (?, ?)", keyId, now());
  }

  async ledger(): Promise<Ledger> {
    return readLedger(this.sql);
  }

  async view(keyId: string): Promise<AccountView | null> {
    if (this.revoked(keyId)) return null;
    return this.accountView(webhookSecrets(this.sql, now()));
  }

  async rotateWebhookSecret(keyId: string): Promise<AccountView | null> {
    if (this.revoked(keyId)) return null;
    return this.accountView(rotateWebhookSecret(this.sql, now()));
  }

  /** The secrets a webhook is signed with: the current one first, then any still inside their rotation overlap. */
  async webhookSecrets(): Promise<string[]> {
    return webhookSecrets(this.sql, now()).map((s) => s.secret);
  }

  /** Sets (or, null, removes) a key's budget; it applies to the key's next create. */
  async setBudget(keyId: string, budget: Budget | null): Promise<BudgetState[]> {
    setBudget(this.sql, keyId, budget);
    return budgets(this.sql, now());
  }

  /** The account's usage cells and costliest jobs (usage-cells.ts); null for a revoked viewer (the operator passes null). */
  async usage(viewerKeyId: string | null, query: UsageQuery, top: number): Promise<{ cells: UsageCell[]; costliest: CostlyJob[] } | null> {
    if (viewerKeyId !== null && this.revoked(viewerKeyId)) return null;
    return { cells: usageCells(this.sql, query), costliest: costliestJobs(this.sql, query, top) };
  }

  async listJobs(keyId: string, query: JobQuery): Promise<{ ids: string[]; next: number | null } | null> {
    if (this.revoked(keyId)) return null;
    return listJobs(this.sql, query);
  }

  private accountView(secrets: { secret: string; retires: number | null }[]): AccountView {
    const retiring = secrets.slice(1).map((s) => s.retires ?? 0);
    return {
      ledger: readLedger(this.sql),
      budgets: budgets(this.sql, now()),
      storage: storageUse(this.sql, now()),
      webhookSecret: secrets[0]!.secret,
      previousWebhookSecretRetiresAt: retiring.length > 0 ? Math.max(...retiring) : null,
    };
  }

  /**
   * Whether the job's JobDO was created, asked of it through the binding (jobs/ sits above accounts/); one that was
   * makes sure it has an alarm (JobDO.watch: the account is the watchdog of a job's first step run at once).
   */
  private async jobExists(jobId: string): Promise<boolean> {
    const job = this.env.JOBS.get(this.env.JOBS.idFromName(jobId)) as unknown as { watch(): Promise<boolean> };
    return job.watch();
  }

  /**
   * Resolves admissions that have not settled within the grace: kept if the JobDO exists (which then has an alarm),
   * released otherwise (the request died before it made the JobDO).
   */
  override async alarm(): Promise<void> {
    this.alarms.fired();
    for (const jobId of staleAdmissions(this.sql, now() - ADMISSION_GRACE_MS)) {
      if (await this.jobExists(jobId)) markAdmitted(this.sql, jobId);
      else await this.release(jobId);
    }
    const oldest = oldestAdmission(this.sql);
    if (oldest !== null) await this.alarms.set(Math.max(now() + 1000, oldest + ADMISSION_GRACE_MS));
  }
}
