import { isTerminal, type JobRecord } from "./record";

// The events of a job, and its event log in the JobDO's storage. changeEvent is the one place that decides which
// event a change makes; logs report every such event, while the log (what event streams replay, Last-Event-ID, and
// what webhooks carry) holds progress back to once per PROGRESS_INTERVAL_MS and the end exactly once, last. Each
// entry keeps the parts of the job that change (its moment), so an event renders as the job stood when it happened.

export type JobEventType = "progress" | "completed" | "failed" | "cancelled";

const TERMINAL_EVENT = { COMPLETED: "completed", FAILED: "failed", CANCELLED: "cancelled" } as const;

export const PROGRESS_INTERVAL_MS = 1000;

/** What a change is measured against: the job before it, or the moment of the last logged event. */
type Before = Pick<JobRecord, "status" | "progress">;

/** The event that going from `before` to `after` makes, if any: the job's end, once; else a change of progress. */
export function changeEvent(before: Before | null, after: JobRecord): JobEventType | null {
  if (before && isTerminal(before.status)) return null;
  if (isTerminal(after.status)) return TERMINAL_EVENT[after.status as keyof typeof TERMINAL_EVENT];
  if (after.status !== "PROCESSING") return null;
  return before?.status === "PROCESSING" && before.progress === after.progress ? null : "progress";
}

export type JobMoment = Pick<JobRecord, "status" | "provider" | "progress" | "files" | "error" | "errorCode" | "completedAt" | "attempts">;

export interface LoggedEvent {
  /** 1, 2, 3, … in order: the SSE `id`. */
  seq: number;
  type: JobEventType;
  at: number;
  moment: JobMoment;
}

const momentOf = ({ status, provider, progress, files, error, errorCode, completedAt, attempts }: JobRecord): JobMoment => ({
  status, provider, progress, files, error, errorCode, completedAt, attempts,
});

/** The job as it stood at the event: its moment laid over the parts that never change. */
export const jobAt = (rec: JobRecord, event: LoggedEvent): JobRecord => ({ ...rec, ...event.moment });

export const isFinal = (event: LoggedEvent): boolean => isTerminal(event.moment.status);

const PREFIX = "event:";
const keyOf = (seq: number): string => `${PREFIX}${String(seq).padStart(10, "0")}`;

/**
 * The event a saved record adds to the log after `last`, if any, with its storage key (for the caller's one atomic
 * put): the change since the last event, progress only once that event is PROGRESS_INTERVAL_MS old. A change held
 * back goes out with a later save (the machine saves at every poll).
 */
export function nextEvent(last: LoggedEvent | null, rec: JobRecord, now: number): { event: LoggedEvent; key: string } | null {
  const type = changeEvent(last?.moment ?? null, rec);
  if (type === null || (type === "progress" && last && now - last.at < PROGRESS_INTERVAL_MS)) return null;
  const event: LoggedEvent = { seq: (last?.seq ?? 0) + 1, type, at: now, moment: momentOf(rec) };
  return { event, key: keyOf(event.seq) };
}

/** Reads the log. No cache of its own: the runtime's storage cache makes these reads memory-fast. */
export class EventLog {
  constructor(private readonly storage: DurableObjectStorage) {}

  async last(): Promise<LoggedEvent | null> {
    const found = await this.storage.list<LoggedEvent>({ prefix: PREFIX, reverse: true, limit: 1 });
    return [...found.values()][0] ?? null;
  }

  async get(seq: number): Promise<LoggedEvent | null> {
    return (await this.storage.get<LoggedEvent>(keyOf(seq))) ?? null;
  }

  /** The events after `seq`, oldest first. */
  async after(seq: number): Promise<LoggedEvent[]> {
    return [...(await this.storage.list<LoggedEvent>({ prefix: PREFIX, start: keyOf(seq + 1) })).values()];
  }
}
