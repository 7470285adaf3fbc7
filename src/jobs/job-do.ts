import { DurableObject } from "cloudflare:workers";
import { settleJob } from "./settle";
import type { Env } from "../env";
import { now } from "../lib/clock";
import { KnownAlarm } from "../lib/known-alarm";
import { WebhookOutbox, webhookFor, webhookStatus, type DeliveryRecord, type Outbox } from "../webhooks/outbox";
import type { HookedJob, WebhookSubject } from "../webhooks/types";
import { cancelledJob } from "./cancel";
import { EventStreams, type JobEvent } from "./event-stream";
import { changeEvent, EventLog, isFinal, jobAt, nextEvent, type LoggedEvent } from "./events";
import { advance, cancelUpstream, failJob, firstStep, pollNow, type MachineDeps } from "./machine";
import { nextAlarmAt } from "./next-alarm";
import { keptImages } from "./kept-images";
import { PartialImages, type PartialImage } from "./partials";
import { isTerminal, type JobInit, type JobRecord } from "./record";
import { jobView, viewedJob } from "./view";

// One Durable Object per job: the only writer of the job. Alarms drive everything after admission, but for the first
// step of a job whose request waits for it (createAndWait), which runs at once. An alarm's step runs under a watchdog
// alarm, so a job is never left unfinished without an alarm, even if the step dies; a first step run at once is
// watched by its account instead (AccountDO.alarm calls watch() on every job still unsettled a grace after its
// admission), which spares the one job in a hurry two alarm writes.
// Every save that changes what a client sees logs an event: event streams get it at once, webhooks from the alarm.

const DEFAULT_DEADLINE_SECONDS = 600;
const WATCHDOG_MS = 60_000;
const KEY = "job";

/** The outbox of a job without a webhook, which never has an entry. */
const NO_OUTBOX: Outbox = { entries: [], gone: false };
/** What the outbox needs to know of the job for its webhookStatus. */
const hooked = (rec: JobRecord): HookedJob => ({ subscribed: rec.webhook !== null, ended: isTerminal(rec.status) });

export type CancelResult = { cancelled: boolean; job: JobRecord };
/** What a waiter gets: the job and, once it has completed, the bytes of its images still kept (kept-images.ts). */
export type JobAnswer = { job: JobRecord | null; kept: [key: string, bytes: Uint8Array][] };
export type JobNews = JobAnswer & { partials: PartialImage[] };

export class JobDO extends DurableObject<Env> {
  /** Requests waiting for news of this job (Prefer: wait, the OpenAI surface): woken when it ends or a partial arrives. */
  private sleepers = new Set<() => void>();
  /** Counts wake-ups, so a waiter that was reading when one happened does not sleep through it. */
  private wakes = 0;
  /** Alarm runs, one after another: a step may await an upstream for minutes (OpenAI), and must not be run twice. */
  private running: Promise<void> | null = null;
  /** Upstream ids whose callbacks arrived and whose polls the next alarm brings forward. */
  private nudged = new Set<string>();
  /** The tail of the chain of writes: saves run one at a time (an alarm's step and its deliveries run side by side). */
  private writes: Promise<unknown> = Promise.resolve();
  private readonly log = new EventLog(this.ctx.storage);
  private readonly streams = new EventStreams();
  private readonly outbox = new WebhookOutbox(this.env, this.ctx.storage);
  private readonly partials = new PartialImages(this.env, this.ctx.storage);
  private readonly alarms = new KnownAlarm(this.ctx.storage);
  /** Requests waiting for an answer made of the images (waitForAnswer, waitForNews): while any do, images are kept. */
  private answerWaiters = 0;
  /**
   * Whether this instance saw the account acknowledge the ended job's settlement (charge or refund). It is not stored
   * (a write, as costly as a hop, on every job's path): the account applies a job's settlement once, so an instance
   * that does not know asks again, from the alarm a job that may owe one always has.
   */
  private settled = false;
  /**
   * The stored job as this instance last read or wrote it (undefined: not read yet). The JobDO is the job's only writer,
   * so it stays true; it spares each read the storage get, which deserialises the whole record (measured: 5 % of a
   * poll's CPU). Records are never changed in place, here or by their readers.
   */
  private record: JobRecord | null | undefined = undefined;

  private async load(): Promise<JobRecord | null> {
    if (this.record === undefined) this.record = (await this.ctx.storage.get<JobRecord>(KEY)) ?? null;
    return this.record;
  }

  /**
   * Reads the stored job, lets `change` decide its next state (null: no change), and stores that with the event it
   * makes, if any, and the webhook that event owes; returns what is stored. Writes are serialised, so each decides on
   * the latest state. A job that has ended never changes status again: an alarm step that was awaiting I/O when the
   * job was cancelled must not bring it back.
   */
  private update(change: (current: JobRecord | null) => JobRecord | null): Promise<JobRecord | null> {
    const run = this.writes.then(() => this.write(change));
    this.writes = run.catch(() => undefined);
    return run;
  }

  private async save(next: JobRecord): Promise<JobRecord> {
    return (await this.update(() => next))!;
  }

  private async write(change: (current: JobRecord | null) => JobRecord | null): Promise<JobRecord | null> {
    const before = await this.load();
    const next = change(before);
    if (!next || (before && isTerminal(before.status) && next.status !== before.status)) return before;
    const [last, outbox] = await Promise.all([this.log.last(), this.outboxOf(next)]);
    const logged = nextEvent(last, next, now());
    const owed = logged ? webhookFor(outbox, logged.event, next.webhook) : null;
    const rec: JobRecord = { ...next, webhookStatus: webhookStatus(owed ? { ...outbox, entries: [...outbox.entries, owed.entry] } : outbox, hooked(next)) };
    await this.ctx.storage.put({
      [KEY]: rec,
      ...(logged ? { [logged.key]: logged.event } : {}),
      ...(owed ? { [owed.key]: owed.entry } : {}),
    });
    this.record = rec;
    if (logged) this.streams.publish(logged.event);
    if (owed) this.outbox.notify();
    if (isTerminal(rec.status)) {
      this.wake();
      await this.settle(rec);
    }
    // One line per job, when it ends (its progress is in the event log): logs cost CPU on every request's path.
    const event = changeEvent(before, rec);
    if (event && isTerminal(rec.status)) {
      const ms = (rec.completedAt ?? now()) - rec.createdAt;
      console.log(JSON.stringify({ msg: "job", event, jobId: rec.id, accountId: rec.accountId, status: rec.status, provider: rec.provider, ms, attempts: rec.attempts.length, errorCode: rec.errorCode }));
    }
    return rec;
  }

  /** A job without a webhook never has an outbox entry: its reads are skipped (every save would make them). */
  private outboxOf(rec: JobRecord): Promise<Outbox> {
    return rec.webhook ? this.outbox.read() : Promise.resolve(NO_OUTBOX);
  }

  /** Settles the ended job's credits with its account; until that is acknowledged, the alarm retries it. */
  private async settle(rec: JobRecord): Promise<void> {
    if (this.settled) return;
    try {
      await settleJob(this.env, rec);
      this.settled = true;
    } catch {
      console.log(JSON.stringify({ msg: "settle failed", jobId: rec.id, accountId: rec.accountId, status: rec.status }));
    }
  }

  /** Sets the alarm for whatever the job owes next (next-alarm.ts), or clears it when it owes nothing. */
  private async schedule(): Promise<void> {
    const rec = await this.load();
    if (!rec) return;
    const webhookDueAt = rec.webhook ? await this.outbox.nextDueAt() : null;
    const at = nextAlarmAt(rec, { settled: this.settled, webhookDueAt, nudged: this.nudged.size > 0 }, now());
    if (at === null) await this.alarms.clear();
    else await this.alarms.set(at);
  }

  private deps(): MachineDeps {
    return {
      env: this.env,
      now,
      save: async (r) => void (await this.save(r)),
      keep: (file, bytes) => {
        if (this.answerWaiters > 0) keptImages.keep(file.key, bytes);
      },
      partial: async (r, index, partialIndex, body) => {
        if (await this.partials.add(r, index, partialIndex, body)) this.wake();
      },
    };
  }

  private wake(): void {
    this.wakes++;
    for (const sleeper of [...this.sleepers]) sleeper();
  }

  /** Resolves after `ms`, or at the next wake-up if one comes first. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
    });
  }

  /** Admission: stores the new job and sets its first alarm. Idempotent: a second call returns the first job. */
  async create(init: JobInit): Promise<JobRecord> {
    const { rec } = await this.store(init);
    await this.schedule();
    return rec;
  }

  /**
   * Admission for a request that waits for its job's answer (the OpenAI surface): stores the job as create() does, then
   * runs its first step here instead of from an alarm (a hop less), and answers as waitForAnswer does. The step sets
   * no watchdog alarm (two alarm writes, each costing about what a Durable Object hop does): its account's alarm is
   * its watchdog (watch()). A step that throws is retried by the alarm at once, as the runtime retries an alarm.
   */
  async createAndWait(init: JobInit, timeoutMs: number): Promise<JobAnswer & { job: JobRecord }> {
    return this.waitingForAnswer(async () => {
      const { rec, created } = await this.store(init);
      if (created) {
        this.alarms.none();
        this.run({ watched: true }).catch(() => this.alarms.set(now()).catch(() => undefined));
      } else {
        await this.schedule();
      }
      const job = (await this.waitForEnd(timeoutMs)) ?? rec;
      return { job, kept: this.keptOf(job) };
    });
  }

  /** Stores the new job, unless it exists; returns the stored job and whether this call made it. */
  private async store(init: JobInit): Promise<{ rec: JobRecord; created: boolean }> {
    const at = now();
    const deadlineSeconds = Number(this.env.JOB_DEADLINE_SECONDS ?? DEFAULT_DEADLINE_SECONDS);
    let created = false;
    const rec = await this.update((existing) => {
      if (existing) return null;
      created = true;
      return {
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
    });
    return { rec: rec!, created };
  }

  async read(): Promise<JobRecord | null> {
    return this.load();
  }

  /**
   * The account's check of a job it admitted a grace ago and that has not settled (AccountDO.alarm): whether the job
   * exists, and an alarm for it if it has none: the watchdog of a first step run from createAndWait. A step still
   * running here gets the watchdog a minute on; one that died with its instance is resumed at once.
   */
  async watch(): Promise<boolean> {
    const rec = await this.load();
    if (!rec) return false;
    if ((await this.alarms.get()) === null && !(isTerminal(rec.status) && this.settled)) {
      await this.alarms.set(this.running ? now() + WATCHDOG_MS : now());
    }
    return true;
  }

  /** The completed job's images still kept, handed over (so let go). */
  private keptOf(rec: JobRecord | null): JobAnswer["kept"] {
    return rec?.status === "COMPLETED" ? keptImages.take(rec.files.map((file) => file.key)) : [];
  }

  /** Runs `wait` counted among the answer's waiters, for whom the images the job stores meanwhile are kept. */
  private async waitingForAnswer<T>(wait: () => Promise<T>): Promise<T> {
    this.answerWaiters++;
    try {
      return await wait();
    } finally {
      this.answerWaiters--;
    }
  }

  /** The job once it has ended, or as it stands after `timeoutMs`, whichever comes first. */
  async waitForEnd(timeoutMs: number): Promise<JobRecord | null> {
    const until = now() + timeoutMs;
    for (;;) {
      const wakes = this.wakes;
      const rec = await this.load();
      if (!rec || isTerminal(rec.status) || now() >= until) return rec;
      if (this.wakes === wakes) await this.sleep(until - now());
    }
  }

  /** waitForEnd, with the bytes of the images kept for an answer made of them (the OpenAI surface's). */
  async waitForAnswer(timeoutMs: number): Promise<JobAnswer> {
    const job = await this.waitingForAnswer(() => this.waitForEnd(timeoutMs));
    return { job, kept: this.keptOf(job) };
  }

  /**
   * The job and its partial images after the first `seen` once there is news (it ended, or a partial arrived), or as
   * they stand after `timeoutMs`, whichever comes first.
   */
  async waitForNews(timeoutMs: number, seen: number): Promise<JobNews> {
    const read = async (): Promise<JobNews> => {
      const job = await this.load();
      return { job, kept: this.keptOf(job), partials: await this.partials.after(seen) };
    };
    return this.waitingForAnswer(async () => {
      const wakes = this.wakes;
      const news = await read();
      if (!news.job || isTerminal(news.job.status) || news.partials.length > 0) return news;
      if (this.wakes === wakes) await this.sleep(timeoutMs);
      return read();
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
    if (!this.running) await this.schedule();
    return true;
  }

  /** Ends a job that has not ended (CANCELLED); `cancelled: false` with the job as it is when it had already ended. */
  async cancel(): Promise<CancelResult | null> {
    const taken: { before: JobRecord | null } = { before: null };
    let job = await this.update((current) => {
      if (!current || isTerminal(current.status)) return null;
      taken.before = current;
      return cancelledJob(current, now());
    });
    if (!job) return null;
    if (!taken.before) return { cancelled: false, job };
    const attempts = await cancelUpstream(taken.before, this.deps());
    if (attempts.length > 0) job = (await this.update((current) => current && { ...current, attempts: [...current.attempts, ...attempts] }))!;
    await this.schedule();
    return { cancelled: true, job };
  }

  /**
   * The job's events until it ends (event-stream.ts: each a JobEvent, for the surfaces to frame): those after `after`
   * (Last-Event-ID), or from the newest one when `after` is null.
   */
  async events(after: number | null): Promise<ReadableStream<Uint8Array>> {
    const render = async (event: LoggedEvent): Promise<JobEvent> => {
      const rec = await this.load();
      return { id: event.seq, type: event.type, job: viewedJob(jobAt(rec!, event)) };
    };
    return this.streams.open(render, async () => {
      const last = await this.log.last();
      // Without Last-Event-ID the stream starts with the newest event; an id beyond it resumes after the newest.
      const from = after === null ? Math.max(0, (last?.seq ?? 0) - 1) : Math.min(after, last?.seq ?? 0);
      const rec = await this.load();
      return { after: from, events: await this.log.after(from), ended: (last !== null && isFinal(last)) || (rec !== null && isTerminal(rec.status)) };
    });
  }

  /** Every webhook delivery attempt, oldest first. */
  async deliveries(): Promise<DeliveryRecord[]> {
    return this.outbox.deliveries();
  }

  override alarm(): Promise<void> {
    this.alarms.fired();
    return this.run();
  }

  /**
   * Runs what the job owes now, one run at a time: from its alarm, or from createAndWait for its first step (`watched`:
   * by its account, so without a watchdog alarm of its own).
   */
  private async run({ watched } = { watched: false }): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
    this.running = this.runAlarm(watched).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async runAlarm(watched: boolean): Promise<void> {
    const rec = await this.load();
    if (!rec) return;
    if (!watched) await this.alarms.set(now() + WATCHDOG_MS);
    if (isTerminal(rec.status)) {
      this.nudged.clear();
      await this.settle(rec);
    }
    // A slow receiver must not hold up the job, nor a long step the webhooks: both run side by side, and the events the
    // step makes go out as it makes them.
    const step = this.step(rec);
    await Promise.all([step, rec.webhook ? this.outbox.deliverDue((seq) => this.webhookSubject(seq), step) : null]);
    await this.restampWebhookStatus();
    // Callbacks that arrived while the step ran make the next alarm due at once.
    await this.schedule();
  }

  /** What a webhook delivery of event `seq` needs: the job's webhook and account, and the event's job view. */
  private async webhookSubject(seq: number): Promise<WebhookSubject | null> {
    const [rec, event] = await Promise.all([this.load(), this.log.get(seq)]);
    if (!rec?.webhook || !event) return null;
    return { jobId: rec.id, accountId: rec.accountId, url: rec.webhook.url, payload: () => jobView(this.env, jobAt(rec, event), rec.origin, now()) };
  }

  /** After deliveries, the job's webhookStatus says how they went (save() stamps it from the outbox). */
  private async restampWebhookStatus(): Promise<void> {
    const rec = await this.load();
    if (rec?.webhook && webhookStatus(await this.outbox.read(), hooked(rec)) !== rec.webhookStatus) await this.update((current) => current);
  }

  private async step(start: JobRecord): Promise<void> {
    if (isTerminal(start.status)) return;
    const at = now();
    let rec = this.takeNudges(start, at);
    const deps = this.deps();
    if (at >= rec.deadlineAt) {
      await cancelUpstream(rec, deps);
      await this.save(failJob(rec, "timeout", `The job did not finish within its deadline of ${Math.round((rec.deadlineAt - rec.createdAt) / 1000)} s.`, at));
    } else if (rec.wakeAt !== null && at >= rec.wakeAt) {
      // Steps that finish at once (e.g. poll → ingest) run on in the same alarm; save() returns what is stored, so
      // a job cancelled meanwhile stops here.
      do {
        const before = rec;
        const computed = await advance(rec, deps);
        rec = await this.save(computed);
        if (rec.status === "CANCELLED" && computed.status !== "CANCELLED") await this.cancelLate(before, computed);
      } while (!isTerminal(rec.status) && rec.wakeAt !== null && rec.wakeAt <= now() && rec.wakeAt < rec.deadlineAt);
    }
  }

  private takeNudges(rec: JobRecord, at: number): JobRecord {
    if (this.nudged.size === 0) return rec;
    const next = pollNow(rec, this.nudged, at) ?? rec;
    this.nudged.clear();
    return next;
  }

  /**
   * The job was cancelled while this step created upstream jobs: those are cancelled too, where they can be, and the
   * step's own attempts (a create that returned after the cancel) still go on the trail, so it shows every upstream
   * job that was made and paid for.
   */
  private async cancelLate(before: JobRecord, computed: JobRecord): Promise<void> {
    const stored = await this.load();
    const done = new Set(stored?.attempts.filter((a) => a.outcome === "cancelled").map((a) => a.upstreamId));
    const late = computed.attempts.slice(before.attempts.length);
    const cancels = await cancelUpstream(computed, this.deps(), done);
    if (late.length + cancels.length > 0) {
      await this.update((current) => current && { ...current, attempts: [...current.attempts, ...late, ...cancels] });
    }
  }
}
