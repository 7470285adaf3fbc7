// What webhooks know of a job: its target, how its deliveries went, and, from the JobDO, what a delivery needs.

/** Where a job's webhooks go, and the events (`progress`, `completed`, …) they are sent for. */
export interface WebhookTarget {
  url: string;
  events: string[];
}

/** How a job's webhooks went, as its view shows: null when it has none. */
export type WebhookStatus = "pending" | "delivered" | "failed" | null;

/** An event of the job's log, as the outbox files it. */
export interface WebhookEvent {
  seq: number;
  /** The event's type without the `job.` prefix. */
  type: string;
  at: number;
}

/** What the JobDO tells of its job for the status: whether it has a webhook, and whether it has ended. */
export interface HookedJob {
  subscribed: boolean;
  ended: boolean;
}

/** What one delivery needs of its job and event, from the JobDO. */
export interface WebhookSubject {
  jobId: string;
  accountId: string;
  url: string;
  /** The body's `data`: the job as it stood at the event. Read only for an event's first attempt. */
  payload: () => Promise<unknown>;
}
