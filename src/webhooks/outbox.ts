import { accountStub } from "../accounts/account-stub";
import type { Env } from "../env";
import { now } from "../lib/clock";
import { newId } from "../lib/ids";
import { jobAt, type LoggedEvent } from "../jobs/event-log";
import { isTerminal, type JobRecord, type WebhookTarget } from "../jobs/record";
import { jobView } from "../jobs/view";
import { deliverWebhook, type DeliveryOutcome } from "./deliver";
import { retryDelayMs, retryScale } from "./schedule";

// A job's outbound webhooks, kept in its JobDO's storage so that they survive restarts: one entry per event the
// webhook asked for (its `webhook-id` is made once, so every retry carries the same id and the same body), and a
// record of every attempt for GET /v2/jobs/:id/deliveries. The JobDO's alarm delivers what is due. No cache of its
// own: the runtime's storage cache makes the reads memory-fast.

export type WebhookStatus = JobRecord["webhookStatus"];

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
  state: "pending" | "delivered" | "failed";
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

/** A slow receiver holds up at most this many deliveries per alarm; the rest go with the next alarm, at once. */
export const MAX_DELIVERIES_PER_RUN = 10;

/** The entry an event makes, when the job's webhook asked for it, with its storage key (for the caller's put). */
export function webhookFor(outbox: Outbox, event: LoggedEvent, target: WebhookTarget | null): { key: string; entry: OutboxEntry } | null {
  if (!target || outbox.gone || !target.events.includes(event.type)) return null;
  const entry: OutboxEntry = { seq: event.seq, type: `job.${event.type}`, webhookId: newId("msg"), at: event.at, attempts: 0, nextAt: event.at, state: "pending", body: null };
  return { key: entryKey(entry.seq), entry };
}

/** pending while something is still to be sent (or the job may yet send something); then how its last event went. */
export function webhookStatus(outbox: Outbox, rec: JobRecord): WebhookStatus {
  if (!rec.webhook) return null;
  if (!isTerminal(rec.status) || outbox.entries.some((e) => e.state === "pending")) return "pending";
  const last = outbox.entries[outbox.entries.length - 1];
  return last ? (last.state as "delivered" | "failed") : null;
}

export class WebhookOutbox {
  /** Entries being delivered right now: two alarm runs may overlap while one awaits a receiver. */
  private readonly inFlight = new Set<number>();

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

  private async due(): Promise<OutboxEntry[]> {
    return (await this.read()).entries.filter((e) => e.state === "pending" && e.nextAt !== null && e.nextAt <= now() && !this.inFlight.has(e.seq));
  }

  /** Delivers what is due, oldest event first. `load` reads the job, `eventOf` a logged event. */
  async deliverDue(load: () => Promise<JobRecord | null>, eventOf: (seq: number) => Promise<LoggedEvent | null>): Promise<void> {
    for (const { seq } of (await this.due()).slice(0, MAX_DELIVERIES_PER_RUN)) {
      // Read again: an overlapping run may have delivered it, or a 410 stopped everything, meanwhile.
      const entry = (await this.due()).find((e) => e.seq === seq);
      if (!entry) continue;
      this.inFlight.add(seq);
      try {
        await this.attempt(entry, load, eventOf);
      } finally {
        this.inFlight.delete(seq);
      }
    }
  }

  private async attempt(entry: OutboxEntry, load: () => Promise<JobRecord | null>, eventOf: (seq: number) => Promise<LoggedEvent | null>): Promise<void> {
    const rec = await load();
    const event = await eventOf(entry.seq);
    if (!rec?.webhook || !event) return;
    const body = entry.body ?? JSON.stringify({ type: entry.type, timestamp: new Date(entry.at).toISOString(), data: await jobView(this.env, jobAt(rec, event), rec.origin, now()) });
    const started = now();
    let secrets: string[] | null = null;
    try {
      secrets = await accountStub(this.env, rec.accountId).webhookSecrets();
    } catch {
      console.log(JSON.stringify({ msg: "webhook secrets unavailable", jobId: rec.id, accountId: rec.accountId }));
    }
    const outcome: DeliveryOutcome = secrets
      ? await deliverWebhook(this.env, { url: rec.webhook.url, webhookId: entry.webhookId, body, secrets })
      : { kind: "retry", statusCode: null, latencyMs: 0, error: "the account's signing secret could not be read" };
    await this.record(entry, body, started, outcome);
    console.log(JSON.stringify({ msg: "webhook", jobId: rec.id, event: entry.type, webhookId: entry.webhookId, attempt: entry.attempts + 1, outcome: outcome.kind, statusCode: outcome.statusCode, latencyMs: outcome.latencyMs }));
  }

  private async record(entry: OutboxEntry, body: string, started: number, outcome: DeliveryOutcome): Promise<void> {
    const attempt = entry.attempts + 1;
    const delay = outcome.kind === "retry" ? retryDelayMs(attempt, Math.random, retryScale(this.env.WEBHOOK_RETRY_SCALE)) : null;
    const next: OutboxEntry =
      delay !== null
        ? { ...entry, attempts: attempt, nextAt: now() + delay, body }
        : { ...entry, attempts: attempt, nextAt: null, state: outcome.kind === "delivered" ? "delivered" : "failed", body: null };
    const delivery: DeliveryRecord = {
      event: entry.type,
      webhookId: entry.webhookId,
      attempt,
      at: started,
      statusCode: outcome.statusCode,
      latencyMs: outcome.latencyMs,
      error: outcome.error,
      nextAttemptAt: next.nextAt,
    };
    await this.storage.put({
      [entryKey(entry.seq)]: next,
      [`${ATTEMPT}${pad(entry.seq)}-${pad(attempt, 2)}`]: delivery,
      ...(outcome.kind === "gone" ? { [GONE]: true } : {}),
    });
  }

  /** Every attempt, oldest first. */
  async deliveries(): Promise<DeliveryRecord[]> {
    const found = [...(await this.storage.list<DeliveryRecord>({ prefix: ATTEMPT })).values()];
    return found.sort((a, b) => a.at - b.at);
  }
}
