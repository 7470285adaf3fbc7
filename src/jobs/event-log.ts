import { TERMINAL_EVENT, type JobEventType } from "./events";
import { isTerminal, type JobRecord } from "./record";

// The job's event log, in the JobDO's storage: what event streams replay (Last-Event-ID) and what webhooks carry.
// Each entry keeps the parts of the job that change (its moment), so an event renders as the job stood when it
// happened. Progress is logged at most once per PROGRESS_INTERVAL_MS; the end of the job exactly once, last.

export const PROGRESS_INTERVAL_MS = 1000;

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

/**
 * The type of the event a saved record adds, if any: its end, once; otherwise progress, when the progress differs
 * from the last event's and that one is at least PROGRESS_INTERVAL_MS old. A change held back goes out with a later
 * save (the machine saves at every poll).
 */
export function eventType(last: LoggedEvent | null, rec: JobRecord, now: number): JobEventType | null {
  if (last && isFinal(last)) return null;
  if (isTerminal(rec.status)) return TERMINAL_EVENT[rec.status as keyof typeof TERMINAL_EVENT];
  if (rec.status !== "PROCESSING") return null;
  if (last && last.moment.progress === rec.progress) return null;
  if (last && now - last.at < PROGRESS_INTERVAL_MS) return null;
  return "progress";
}

const PREFIX = "event:";
const keyOf = (seq: number): string => `${PREFIX}${String(seq).padStart(10, "0")}`;

/** The event a saved record adds after `last`, if any, with its storage key (for the caller's one atomic put). */
export function nextEvent(last: LoggedEvent | null, rec: JobRecord, now: number): { event: LoggedEvent; key: string } | null {
  const type = eventType(last, rec, now);
  if (type === null) return null;
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
