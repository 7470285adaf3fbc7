import { accountStub } from "../accounts/account-stub";
import type { Env } from "../env";
import { now } from "../lib/clock";
import { newId } from "../lib/ids";
import { deliverWebhook, type DeliveryOutcome } from "./deliver";
import { retryDelayMs, retryScale } from "./schedule";
import type { HookedJob, WebhookEvent, WebhookStatus, WebhookSubject, WebhookTarget } from "./types";

// A job's outbound webhooks, kept in its JobDO's storage so that they survive restarts: one entry per event the
// webhook asked for (its `webhook-id` is made once, so every retry carries the same id and the same body), and a
// record of every attempt for GET /v2/jobs/:id/deliveries. The JobDO's alarm delivers what is due, a few events at
// once, so that one slow answer does not hold up the rest. A progress event is only worth sending while it is the
// latest news: once a later event is owed, it is dropped instead of sent or retried, so the job's final event never
// waits behind stale progress. No cache of its own: the runtime's storage cache makes the reads memory-fast.

export interface OutboxEntry {
  /** The event's seq in the job's event log. */
  seq: number;
  /** "job.progress" | "job.completed" | "job.failed" | "job.cancelled" */
  type: string;
  webhookId: string;
  /** When the event happened (the body's `timestamp`). */
  at: number;
  attempts: number;
  /** When the next attempt is due; null once the entry is settled. */
  nextAt: number | null;
  /** dropped: a progress event superseded by a later one, never sent again. */
  state: "pending" | "delivered" | "failed" | "dropped";
  /** The body as first sent, so that retries carry the same bytes; dropped once the entry is settled. */
  body: string | null;
}

export interface DeliveryRecord {
  event: string;
  webhookId: string;
  attempt: number;
  at: number;
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
  /** When this event is tried again; null when it was delivered or given up. */
  nextAttemptAt: number | null;
}

/** What the outbox holds: its entries, oldest event first, and whether a receiver said 410 (nothing more is sent). */
export interface Outbox {
  entries: OutboxEntry[];
  gone: boolean;
}

const ENTRY = "outbox:";
const ATTEMPT = "delivery:";
const GONE = "outbox-gone";
const pad = (n: number, width = 10): string => String(n).padStart(width, "0");
const entryKey = (seq: number): string => ENTRY + pad(seq);
const attemptKey = (seq: number, attempt: number): string => `${ATTEMPT}${pad(seq)}-${pad(attempt, 2)}`;

/** What a superseded progress event's last attempt says: how it went, and that it is not retried. */
const supersededError = (error: string | null, by: OutboxEntry): string => `${error ?? "not delivered"}; superseded by ${by.type}, so not retried`;

/** A slow receiver holds up at most this many deliveries per alarm; the rest go with the next alarm, at once. */
export const MAX_DELIVERIES_PER_RUN = 10;
/** Deliveries of different events in flight at once: enough that a hanging answer does not hold the final event. */
export const MAX_CONCURRENT_DELIVERIES = 3;

const PROGRESS = "job.progress";

/** The entry an event makes, when the job's webhook asked for it, with its storage key (for the caller's put). */
export function webhookFor(outbox: Outbox, event: WebhookEvent, target: WebhookTarget | null): { key: string; entry: OutboxEntry } | null {
  if (!target || outbox.gone || !target.events.includes(event.type)) return null;
  const entry: OutboxEntry = { seq: event.seq, type: `job.${event.type}`, webhookId: newId("msg"), at: event.at, attempts: 0, nextAt: event.at, state: "pending", body: null };
  return { key: entryKey(entry.seq), entry };
}

/** pending while something is still to be sent (or the job may yet send something); then how its last event went. */
export function webhookStatus(outbox: Outbox, job: HookedJob): WebhookStatus {
  if (!job.subscribed) return null;
  if (!job.ended || outbox.entries.some((e) => e.state === "pending")) return "pending";
  // The last entry is never dropped: only a later one supersedes.
  const last = outbox.entries[outbox.entries.length - 1];
  return last ? (last.state === "delivered" ? "delivered" : "failed") : null;
}

export class WebhookOutbox {
  /** Entries being delivered right now: one is never sent twice at once. */
  private readonly inFlight = new Set<number>();
  /** Delivery runs waiting for a new entry (notify). */
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly env: Env,
    private readonly storage: DurableObjectStorage,
  ) {}

  /** Once a receiver said 410, whatever was still pending counts as failed: it will never be sent. */
  async read(): Promise<Outbox> {
    const [found, gone] = await Promise.all([this.storage.list<OutboxEntry>({ prefix: ENTRY }), this.storage.get<boolean>(GONE)]);
    const entries = [...found.values()];
    if (gone !== true) return { entries, gone: false };
    return { entries: entries.map((e) => (e.state === "pending" ? { ...e, nextAt: null, state: "failed" as const, body: null } : e)), gone: true };
  }

  /** When the earliest pending delivery is due (one being delivered is rescheduled by its own run). */
  async nextDueAt(): Promise<number | null> {
    const due = (await this.read()).entries.filter((e) => e.state === "pending" && e.nextAt !== null && !this.inFlight.has(e.seq)).map((e) => e.nextAt!);
    return due.length > 0 ? Math.min(...due) : null;
  }

  /** The JobDO stored a new entry: a delivery run that is still open sends it at once. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Resolves at the next notify; `stop` forgets it when something else came first. */
  private news(): { next: Promise<void>; stop: () => void } {
    let listener = (): void => undefined;
    const next = new Promise<void>((resolve) => {
      listener = () => {
        this.listeners.delete(listener);
        resolve();
      };
      this.listeners.add(listener);
    });
    return { next, stop: () => this.listeners.delete(listener) };
  }

  /** Drops the progress events a later entry superseded, then returns what is due: the final event first, then the newest. */
  private async due(): Promise<OutboxEntry[]> {
    const { entries } = await this.read();
    const latest = entries[entries.length - 1];
    if (!latest) return [];
    const superseded = entries.filter((e) => e.seq < latest.seq && e.type === PROGRESS && e.state === "pending" && !this.inFlight.has(e.seq));
    await Promise.all(superseded.map((e) => this.drop(e, latest)));
    return entries
      .filter((e) => e.state === "pending" && !superseded.includes(e) && e.nextAt !== null && e.nextAt <= now() && !this.inFlight.has(e.seq))
      .sort((a, b) => Number(b.type !== PROGRESS) - Number(a.type !== PROGRESS) || b.seq - a.seq);
  }

  /**
   * Delivers what is due, up to MAX_CONCURRENT_DELIVERIES events at once, and what becomes due while `open` runs (the
   * alarm's step: the events it makes go out at once, beside a delivery still awaiting its receiver). `subjectOf`
   * tells what a delivery of the event `seq` needs: null when the job has no webhook or the event is gone.
   */
  async deliverDue(subjectOf: (seq: number) => Promise<WebhookSubject | null>, open: Promise<unknown> = Promise.resolve()): Promise<void> {
    let watching = true;
    const closed = open.then(
      () => void (watching = false),
      () => void (watching = false),
    );
    const running = new Set<Promise<void>>();
    let started = 0;
    const failures: unknown[] = [];
    for (;;) {
      // Listen before reading, so an entry stored during the read is not missed.
      const news = this.news();
      const free = Math.min(MAX_CONCURRENT_DELIVERIES - running.size, MAX_DELIVERIES_PER_RUN - started);
      for (const entry of free > 0 ? (await this.due()).slice(0, free) : []) {
        started++;
        this.inFlight.add(entry.seq);
        const run: Promise<void> = this.attempt(entry, subjectOf)
          .catch((error: unknown) => void failures.push(error))
          .finally(() => {
            this.inFlight.delete(entry.seq);
            running.delete(run);
          });
        running.add(run);
      }
      if (running.size === 0 && !watching) {
        news.stop();
        break;
      }
      await Promise.race([...running, news.next, ...(watching ? [closed] : [])]);
      news.stop();
    }
    // A storage failure fails the alarm, as before, once every attempt has settled; the runtime retries it.
    if (failures.length > 0) throw failures[0];
  }

  private async attempt(entry: OutboxEntry, subjectOf: (seq: number) => Promise<WebhookSubject | null>): Promise<void> {
    const job = await subjectOf(entry.seq);
    if (!job) return;
    const body = entry.body ?? JSON.stringify({ type: entry.type, timestamp: new Date(entry.at).toISOString(), data: await job.payload() });
    const started = now();
    let secrets: string[] | null = null;
    try {
      secrets = await accountStub(this.env, job.accountId).webhookSecrets();
    } catch {
      console.log(JSON.stringify({ msg: "webhook secrets unavailable", jobId: job.jobId, accountId: job.accountId }));
    }
    const outcome: DeliveryOutcome = secrets
      ? await deliverWebhook(this.env, { url: job.url, webhookId: entry.webhookId, body, secrets })
      : { kind: "retry", statusCode: null, latencyMs: 0, error: "the account's signing secret could not be read" };
    await this.record(entry, body, started, outcome);
    console.log(JSON.stringify({ msg: "webhook", jobId: job.jobId, event: entry.type, webhookId: entry.webhookId, attempt: entry.attempts + 1, outcome: outcome.kind, statusCode: outcome.statusCode, latencyMs: outcome.latencyMs }));
  }

  private async record(entry: OutboxEntry, body: string, started: number, outcome: DeliveryOutcome): Promise<void> {
    const attempt = entry.attempts + 1;
    const latest = entry.type === PROGRESS && outcome.kind === "retry" ? (await this.read()).entries.at(-1) : undefined;
    const superseded = latest !== undefined && latest.seq > entry.seq;
    const delay = outcome.kind === "retry" && !superseded ? retryDelayMs(attempt, Math.random, retryScale(this.env.WEBHOOK_RETRY_SCALE)) : null;
    const next: OutboxEntry =
      delay !== null
        ? { ...entry, attempts: attempt, nextAt: now() + delay, body }
        : { ...entry, attempts: attempt, nextAt: null, state: superseded ? "dropped" : outcome.kind === "delivered" ? "delivered" : "failed", body: null };
    const delivery: DeliveryRecord = {
      event: entry.type,
      webhookId: entry.webhookId,
      attempt,
      at: started,
      statusCode: outcome.statusCode,
      latencyMs: outcome.latencyMs,
      error: superseded ? supersededError(outcome.error, latest) : outcome.error,
      nextAttemptAt: next.nextAt,
    };
    await this.storage.put({
      [entryKey(entry.seq)]: next,
      [attemptKey(entry.seq, attempt)]: delivery,
      ...(outcome.kind === "gone" ? { [GONE]: true } : {}),
    });
  }

  /**
   * Settles a superseded progress event as dropped. Its last attempt, if it had one, no longer promises a retry: the
   * deliveries list says why instead. One never attempted has no attempt to list.
   */
  private async drop(entry: OutboxEntry, by: OutboxEntry): Promise<void> {
    const key = attemptKey(entry.seq, entry.attempts);
    const last = entry.attempts > 0 ? await this.storage.get<DeliveryRecord>(key) : undefined;
    await this.storage.put({
      [entryKey(entry.seq)]: { ...entry, nextAt: null, state: "dropped", body: null } satisfies OutboxEntry,
      ...(last ? { [key]: { ...last, error: supersededError(last.error, by), nextAttemptAt: null } satisfies DeliveryRecord } : {}),
    });
  }

  /** Every attempt, oldest first. */
  async deliveries(): Promise<DeliveryRecord[]> {
    const found = [...(await this.storage.list<DeliveryRecord>({ prefix: ATTEMPT })).values()];
    return found.sort((a, b) => a.at - b.at);
  }
}
