import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { ApiError } from "../../lib/errors";
import { now } from "../../lib/clock";
import { validate } from "../../lib/validation";
import { jobStub, readOwnJob } from "../../jobs/admit";
import { JobView, jobView } from "../../jobs/view";
import type { DeliveryRecord } from "../../webhooks/outbox";
import { doc } from "../../docs/registry";
import { jobExample } from "./examples";
import { problems, renderProblem } from "./problem";

// What a client does with one of its jobs beyond reading it: follow its events, see its webhook deliveries, cancel
// it. Every route first reads the job as the caller's own, so another account's job is 404 like a missing one.

export const jobs = new Hono<AppEnv>();
jobs.onError(renderProblem);

const JobParams = z.object({ id: z.string().max(64).meta({ description: "The job's id, as returned on creation." }) });
const TAG = "Native API";

/** Last-Event-ID as the seq to resume after; anything else starts from the newest event. */
const resumeAfter = (header: string | undefined): number | null => (header && /^\d{1,10}$/.test(header.trim()) ? Number(header.trim()) : null);

const eventsDoc = doc({
  operationId: "streamJobEvents",
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
});

jobs.get("/jobs/:id/events", eventsDoc, requireKey(), validate("param", JobParams), async (c) => {
  const rec = await readOwnJob(c.env, c.get("principal"), c.req.valid("param").id);
  const stream = await jobStub(c.env, rec.id).events(resumeAfter(c.req.header("last-event-id")), new URL(c.req.url).origin);
  return new Response(stream, {
    headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no" },
  });
});

const Delivery = z.object({
  event: z.string().meta({ description: "job.progress | job.completed | job.failed | job.cancelled" }),
  webhookId: z.string().meta({ description: "The `webhook-id` header: the same on every attempt of one event." }),
  attempt: z.number().int(),
  at: z.string().meta({ description: "When the attempt was sent." }),
  statusCode: z.number().int().nullable().meta({ description: "The receiver's status; null when it did not answer." }),
  latencyMs: z.number(),
  error: z.string().nullable(),
  nextAttemptAt: z.string().nullable().meta({ description: "When this event is tried again; null once delivered or given up." }),
});
const DeliveryList = z.object({ webhookStatus: JobView.shape.webhookStatus, data: z.array(Delivery) }).meta({ id: "WebhookDeliveries" });

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const deliveryView = (d: DeliveryRecord): z.infer<typeof Delivery> => ({
  event: d.event,
  webhookId: d.webhookId,
  attempt: d.attempt,
  at: iso(d.at)!,
  statusCode: d.statusCode,
  latencyMs: d.latencyMs,
  error: d.error,
  nextAttemptAt: iso(d.nextAttemptAt),
});

const deliveriesDoc = doc({
  operationId: "listWebhookDeliveries",
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
});

jobs.get("/jobs/:id/deliveries", deliveriesDoc, requireKey(), validate("param", JobParams), async (c) => {
  const rec = await readOwnJob(c.env, c.get("principal"), c.req.valid("param").id);
  const deliveries = await jobStub(c.env, rec.id).deliveries();
  const list: z.infer<typeof DeliveryList> = { webhookStatus: rec.webhookStatus, data: deliveries.map(deliveryView) };
  return c.json(list);
});

const cancelDoc = doc({
  operationId: "cancelJob",
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
});

jobs.post("/jobs/:id/cancel", cancelDoc, requireKey(), validate("param", JobParams), async (c) => {
  const rec = await readOwnJob(c.env, c.get("principal"), c.req.valid("param").id);
  const result = await jobStub(c.env, rec.id).cancel();
  if (!result) throw new ApiError("not_found", `No job ${rec.id}.`);
  if (!result.cancelled) {
    throw new ApiError("conflict", `Job ${rec.id} has already ended (${result.job.status}); only a job that has not ended can be cancelled.`, {
      extra: { jobStatus: result.job.status },
    });
  }
  return c.json(await jobView(c.env, result.job, new URL(c.req.url).origin, now()));
});
