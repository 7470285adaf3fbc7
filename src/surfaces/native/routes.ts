import { Hono } from "../../lib/hono-app";
import type * as z from "../../lib/zod";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { now } from "../../lib/clock";
import { jsonBody } from "../../lib/json-body";
import { validate } from "../../lib/validation";
import { admit, readOwnJob } from "../../jobs/admit";
import { jobStub } from "../../jobs/job-stub";
import { isTerminal } from "../../jobs/record";
import { jobView } from "../../jobs/view";
import { doc } from "../../docs/registry";
import { idempotencyOf } from "../idempotency-key";
import { modelList } from "./models";
import { preferredWait } from "./prefer";
import { GenerateRequest, JobParams, type JobCreated } from "./schemas";
import { nativeToJobRequest } from "./to-spec";
import { renderProblem } from "../../lib/problem";
import { statusView } from "./status";

// /v2: the native job API (seed 002's dialect). Routes stay thin: parse, call, render. Documented in routes.docs.ts.

export const nativeRoutes = new Hono<AppEnv>();
nativeRoutes.onError(renderProblem);

nativeRoutes.post("/images/generate", doc("createJob"), requireKey(), jsonBody(), validate("json", GenerateRequest), async (c) => {
  const request = nativeToJobRequest(c.req.valid("json"), c.env);
  const idempotency = await idempotencyOf(c.req.header("idempotency-key"), "POST /v2/images/generate", c.req.valid("json"));
  const wait = preferredWait(c.req.header("prefer"));
  const origin = new URL(c.req.url).origin;
  const { job, headers } = await admit(c.env, c.get("principal"), request, origin, { idempotency });
  const answerHeaders = { Location: `/v2/jobs/${job.id}`, ...headers };
  if (wait === null) {
    const created: z.infer<typeof JobCreated> = { jobId: job.id, status: "QUEUED" };
    return c.json(created, 202, answerHeaders);
  }
  // Prefer: wait=N holds the answer until the job ends (200) or N seconds pass (202), with the job either way.
  const current = (await jobStub(c.env, job.id).waitForEnd(wait * 1000)) ?? job;
  return c.json(await jobView(c.env, current, origin, now()), isTerminal(current.status) ? 200 : 202, {
    ...answerHeaders,
    "Preference-Applied": `wait=${wait}`,
  });
});

nativeRoutes.get("/jobs/:id", doc("getJob"), requireKey(), validate("param", JobParams), async (c) => {
  const rec = await readOwnJob(c.env, c.get("principal"), c.req.valid("param").id);
  return c.json(await jobView(c.env, rec, new URL(c.req.url).origin, now()));
});

nativeRoutes.get("/models", doc("listModels"), async (c) => c.json(await modelList(c.env, now())));

nativeRoutes.get("/status", doc("providerStatus"), async (c) => c.json(await statusView(c.env, now())));
