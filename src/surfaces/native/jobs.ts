import { Hono } from "../../lib/hono-app";
import type * as z from "../../lib/zod";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { ApiError } from "../../lib/errors";
import { now } from "../../lib/clock";
import { validate } from "../../lib/validation";
import { readOwnJob } from "../../jobs/admit";
import { jobStub } from "../../jobs/job-stub";
import { jobView } from "../../jobs/view";
import type { DeliveryRecord } from "../../webhooks/outbox";
import { doc } from "../../docs/registry";
import { sseEvents } from "./event-stream";
import type { Delivery, DeliveryList } from "./jobs.docs";
import { JobParams } from "./schemas";
import { renderProblem } from "../../lib/problem";

// What a client does with one of its jobs beyond reading it: follow its events, see its webhook deliveries, cancel
// it. Every route first reads the job as the caller's own, so another account's job is 404 like a missing one.
// Documented in jobs.docs.ts, with the schema of the deliveries' list.

export const jobRoutes = new Hono<AppEnv>();
jobRoutes.onError(renderProblem);

/** Last-Event-ID as the seq to resume after; anything else starts from the newest event. */
const resumeAfter = (header: string | undefined): number | null => (header && /^\d{1,10}$/.test(header.trim()) ? Number(header.trim()) : null);

jobRoutes.get("/jobs/:id/events", doc("streamJobEvents"), requireKey(), validate("param", JobParams), async (c) => {
  const rec = await readOwnJob(c.env, c.get("principal"), c.req.valid("param").id);
  const events = await jobStub(c.env, rec.id).events(resumeAfter(c.req.header("last-event-id")));
  return new Response(sseEvents(c.env, events, new URL(c.req.url).origin), {
    headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no" },
  });
});

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

jobRoutes.get("/jobs/:id/deliveries", doc("listWebhookDeliveries"), requireKey(), validate("param", JobParams), async (c) => {
  const rec = await readOwnJob(c.env, c.get("principal"), c.req.valid("param").id);
  const deliveries = await jobStub(c.env, rec.id).deliveries();
  const list: z.infer<typeof DeliveryList> = { webhookStatus: rec.webhookStatus, data: deliveries.map(deliveryView) };
  return c.json(list);
});

jobRoutes.post("/jobs/:id/cancel", doc("cancelJob"), requireKey(), validate("param", JobParams), async (c) => {
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
