import { DurableObject } from "cloudflare:workers";
import { settleJob } from "../accounts/settle";
import type { Env } from "../env";
import { now } from "../lib/clock";
import { eventsBetween } from "./events";
import { advance, cancelUpstream, failJob, firstStep, pollNow, type MachineDeps } from "./machine";
import { isTerminal, type JobInit, type JobRecord } from "./record";

// One Durable Object per job: the only writer of the job. Alarms drive everything after admission. Before any
// step runs, a watchdog alarm is set, so a job is never left unfinished without an alarm, even if the step dies.

const DEFAULT_DEADLINE_SECONDS = 600;
const WATCHDOG_MS = 60_000;
const KEY = "job";
/** Set once the account has acknowledged the ended job's settlement (charge or refund). */
const SETTLED = "settled";
const SETTLE_RETRY_MS = 30_000;

export class JobDO extends DurableObject<Env> {
  /** Requests waiting for this job to end (Prefer: wait, the OpenAI surface); woken by save(). */
  private waiters = new Set<(rec: JobRecord) => void>();
  /** Alarm runs, one after another: a step may await an upstream for minutes (OpenAI), and must not be run twice. */
  private running: Promise<void> | null = null;
  /** Upstream ids whose callbacks arrived and whose polls the next alarm brings forward. */
  private nudged = new Set<string>();

  // No cache of our own: the runtime's storage cache already makes these reads memory-fast.
  private async load(): Promise<JobRecord | null> {
    return (await this.ctx.storage.get<JobRecord>(KEY)) ?? null;
  }

  private async save(rec: JobRecord): Promise<void> {
    const before = await this.load();
    await this.ctx.storage.put(KEY, rec);
    if (isTerminal(rec.status)) {
      for (const wake of this.waiters) wake(rec);
      this.waiters.clear();
      await this.settle(rec);
    }
    for (const event of eventsBetween(before, rec)) {
      console.log(JSON.stringify({ msg: "job", event, jobId: rec.id, accountId: rec.accountId, status: rec.status, provider: rec.provider, progress: rec.progress, errorCode: rec.errorCode }));
    }
  }

  /** Settles the ended job's credits with its account; until that is acknowledged, the alarm retries it. */
  private async settle(rec: JobRecord): Promise<void> {
    if (await this.ctx.storage.get<boolean>(SETTLED)) return;
    try {
      await settleJob(this.env, rec);
      await this.ctx.storage.put(SETTLED, true);
    } catch {
      console.log(JSON.stringify({ msg: "settle failed", jobId: rec.id, accountId: rec.accountId, status: rec.status }));
      await this.ctx.storage.setAlarm(now() + SETTLE_RETRY_MS);
    }
  }

  private async schedule(rec: JobRecord): Promise<void> {
    if (isTerminal(rec.status) && !(await this.ctx.storage.get<boolean>(SETTLED))) {
      await this.ctx.storage.setAlarm(now() + SETTLE_RETRY_MS);
      return;
    }
    if (isTerminal(rec.status) || rec.wakeAt === null) {
      await this.ctx.storage.deleteAlarm();
      return;
    }
    await this.ctx.storage.setAlarm(Math.min(rec.wakeAt, rec.deadlineAt));
  }

  /** Admission: stores the new job and sets its first alarm. Idempotent: a second call returns the first job. */
  async create(init: JobInit): Promise<JobRecord> {
    const existing = await this.load();
    if (existing) return existing;
    const at = now();
    const deadlineSeconds = Number(this.env.JOB_DEADLINE_SECONDS ?? DEFAULT_DEADLINE_SECONDS);
    const rec: JobRecord = {
      ...init,
      status: "QUEUED",
      provider: null,
      progress: null,
      files: [],
      error: null,
      errorCode: null,
      createdAt: at,
      completedAt: null,
      deadlineAt: at + deadlineSeconds * 1000,
      attempts: [],
      step: firstStep(),
      wakeAt: at,
      webhookStatus: init.webhook ? "pending" : null,
    };
    await this.save(rec);
    await this.schedule(rec);
    return rec;
  }

  async read(): Promise<JobRecord | null> {
    return this.load();
  }

  /** The job once it has ended, or as it stands after `timeoutMs`, whichever comes first. */
  async waitForEnd(timeoutMs: number): Promise<JobRecord | null> {
    const rec = await this.load();
    if (!rec || isTerminal(rec.status)) return rec;
    return new Promise<JobRecord | null>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        resolve(this.load());
      }, timeoutMs);
      const wake = (done: JobRecord): void => {
        clearTimeout(timer);
        resolve(done);
      };
      this.waiters.add(wake);
    });
  }

  /**
   * A callback from the provider says an upstream job may have moved: the job's next poll is brought forward to now,
   * through the alarm (the only path that advances a job). The callback is never trusted by itself; the poll confirms
   * it. False when this job is not waiting for that upstream id.
   */
  async nudge(upstreamId: string): Promise<boolean> {
    const rec = await this.load();
    if (!rec || isTerminal(rec.status) || !pollNow(rec, new Set([upstreamId]), now())) return false;
    this.nudged.add(upstreamId);
    if (!this.running) await this.ctx.storage.setAlarm(now());
    return true;
  }

  override async alarm(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.runAlarm().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runAlarm(): Promise<void> {
    let rec = await this.load();
    if (!rec) return;
    if (isTerminal(rec.status)) {
      await this.settle(rec);
      await this.schedule(rec);
      return;
    }
    const at = now();
    rec = this.takeNudges(rec, at);
    await this.ctx.storage.setAlarm(at + WATCHDOG_MS);
    const deps: MachineDeps = { env: this.env, now, save: (r) => this.save(r) };
    if (at >= rec.deadlineAt) {
      await cancelUpstream(rec, deps);
      rec = failJob(rec, "timeout", `The job did not finish within its deadline of ${Math.round((rec.deadlineAt - rec.createdAt) / 1000)} s.`, at);
      await this.save(rec);
    } else if (rec.wakeAt !== null && at >= rec.wakeAt) {
      // Steps that finish at once (e.g. poll → ingest) run on in the same alarm.
      do {
        rec = await advance(rec, deps);
        await this.save(rec);
      } while (!isTerminal(rec.status) && rec.wakeAt !== null && rec.wakeAt <= now() && rec.wakeAt < rec.deadlineAt);
    }
    // Callbacks that arrived while the step ran: their polls are due at once.
    const nudged = this.takeNudges(rec, now());
    if (nudged !== rec) await this.save(nudged);
    await this.schedule(nudged);
  }

  private takeNudges(rec: JobRecord, at: number): JobRecord {
    if (this.nudged.size === 0 || isTerminal(rec.status)) return rec;
    const next = pollNow(rec, this.nudged, at) ?? rec;
    this.nudged.clear();
    return next;
  }
}
