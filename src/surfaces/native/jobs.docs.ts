import * as z from "zod";
import type { RouteDocs } from "../../docs/registry";
import { JobView } from "../../jobs/view.docs";
import { jobExample } from "./examples";
import { problems } from "../../lib/problem.docs";

// The documentation of a job's events, deliveries and cancellation (jobs.ts), and the schema of the deliveries'
// list, which types what jobs.ts answers with.

const TAG = "Native API";

export const Delivery = z.object({
  event: z.string().meta({ description: "job.progress | job.completed | job.failed | job.cancelled" }),
  webhookId: z.string().meta({ description: "The `webhook-id` header: the same on every attempt of one event." }),
  attempt: z.number().int(),
  at: z.string().meta({ description: "When the attempt was sent." }),
  statusCode: z.number().int().nullable().meta({ description: "The receiver's status; null when it did not answer." }),
  latencyMs: z.number(),
  error: z.string().nullable(),
  nextAttemptAt: z.string().nullable().meta({ description: "When this event is tried again; null once delivered, given up, or superseded (a progress event a later event replaced is not retried; its `error` says so)." }),
});
export const DeliveryList = z.object({ webhookStatus: JobView.shape.webhookStatus, data: z.array(Delivery) }).meta({ id: "WebhookDeliveries" });

export const jobDocs = {
  streamJobEvents: {
    summary: "Stream a job's events",
    description:
      "Server-sent events until the job ends, then the stream closes: `id: <n>`, `event: progress | completed | failed | " +
      "cancelled`, `data: <the job, as GET /v2/jobs/{id} shows it>`. Progress comes at most once a second. A client that " +
      "connects after the end gets the final event at once. Without `Last-Event-ID` the stream starts with the newest " +
      "event; with it, it resumes after that event. A comment (`: keep-alive`) every 15 s keeps idle connections open. " +
      "Send the key in a header (read the stream with fetch(); EventSource cannot send headers).",
    tag: TAG,
    auth: "key",
    params: { "Last-Event-ID": { in: "header", description: "The `id` of the last event received: resume after it.", schema: z.string() } },
    responses: {
      200: {
        description: "`text/event-stream`, one event per change of the job, each with the job as `data`.",
        contentType: "text/event-stream",
      },
      ...problems(400, 401, 404),
    },
  },
  listWebhookDeliveries: {
    summary: "List a job's webhook deliveries",
    description: "Every attempt to deliver the job's webhooks, oldest first, and the job's `webhookStatus`.",
    tag: TAG,
    auth: "key",
    responses: {
      200: {
        description: "The attempts.",
        schema: DeliveryList,
        example: {
          webhookStatus: "delivered",
          data: [
            { event: "job.completed", webhookId: "msg_2mF8s1pQeXv3Lk9ZbR7tY0aC", attempt: 1, at: "2026-11-20T10:15:31.500Z", statusCode: 503, latencyMs: 84, error: "the receiver answered 503", nextAttemptAt: "2026-11-20T10:15:36.600Z" },
            { event: "job.completed", webhookId: "msg_2mF8s1pQeXv3Lk9ZbR7tY0aC", attempt: 2, at: "2026-11-20T10:15:36.700Z", statusCode: 200, latencyMs: 61, error: null, nextAttemptAt: null },
          ],
        },
      },
      ...problems(400, 401, 404),
    },
  },
  cancelJob: {
    summary: "Cancel a job",
    description:
      "Ends a job that has not ended: it becomes `CANCELLED`, its credits are refunded, the upstream job is cancelled where " +
      "the provider can (see `attempts`), and `job.cancelled` goes to its webhook. A job that has ended answers 409.",
    tag: TAG,
    auth: "key",
    responses: {
      200: {
        description: "The cancelled job.",
        schema: JobView,
        example: { ...jobExample, status: "CANCELLED", progress: 40, result: null, error: "The job was cancelled by its owner.", errorCode: "cancelled", attempts: [] },
      },
      ...problems(400, 401, 404, 409),
    },
  },
} satisfies RouteDocs;
