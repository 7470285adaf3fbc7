import { isTerminal, type JobRecord } from "./record";

// The one place that decides when a JobDO's alarm fires next. The alarm serves several timers: the job's next step,
// its deadline, a provider callback that brings a poll forward, the retry of an unacknowledged settlement, and webhook
// deliveries. A job that has not ended, or that
// still owes a settlement or a delivery, always has an alarm; one that owes nothing has none.

export const SETTLE_RETRY_MS = 30_000;

export interface Owed {
  /** The account has acknowledged the ended job's settlement (to this instance: JobDO.settled). */
  settled: boolean;
  /** When the earliest pending webhook delivery is due. */
  webhookDueAt: number | null;
  /** A provider callback arrived: the job's poll is due now. */
  nudged?: boolean;
}

export function nextAlarmAt(rec: JobRecord, owed: Owed, now: number): number | null {
  const times: number[] = [];
  if (!isTerminal(rec.status)) times.push(owed.nudged ? now : Math.min(rec.wakeAt ?? rec.deadlineAt, rec.deadlineAt));
  else if (!owed.settled) times.push(now + SETTLE_RETRY_MS);
  if (owed.webhookDueAt !== null) times.push(owed.webhookDueAt);
  return times.length > 0 ? Math.min(...times) : null;
}
