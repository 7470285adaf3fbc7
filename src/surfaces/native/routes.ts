import { Hono } from "hono";
import * as z from "zod";
import { CATALOGUE, modelEntries } from "../../catalogue";
import { lifecycleHeaders } from "../../catalogue/lifecycle";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { now } from "../../lib/clock";
import { jsonBody } from "../../lib/json-body";
import { validate } from "../../lib/validation";
import { admit, jobStub, readOwnJob } from "../../jobs/admit";
import { isTerminal } from "../../jobs/record";
import { idempotencyOf } from "./idempotency-key";
import { jobView } from "../../jobs/view";
import { modelView } from "./models";
import { preferredWait } from "./prefer";
import { GenerateRequest } from "./schemas";
import { nativeToJobRequest } from "./to-spec";
import { renderProblem } from "./problem";

// /v2: the native job API (seed 002's dialect). Routes stay thin: parse, call, render.

export const native = new Hono<AppEnv>();
native.onError(renderProblem);

const JobParams = z.object({ id: z.string().max(64) });

native.post("/images/generate", requireKey(), jsonBody(), validate("json", GenerateRequest), async (c) => {
  const request = nativeToJobRequest(c.req.valid("json"), c.env);
  const idempotency = await idempotencyOf(c.req.header("idempotency-key"), await c.req.text());
  const wait = preferredWait(c.req.header("prefer"));
  const origin = new URL(c.req.url).origin;
  const { job, replayed, headers } = await admit(c.env, c.get("principal"), request, origin, { idempotency });
  const replay = replayed ? { "Idempotent-Replayed": "true" } : undefined;
  const answerHeaders = {
    Location: `/v2/jobs/${job.id}`,
    ...headers,
    ...replay,
    ...lifecycleHeaders(CATALOGUE[job.spec.model], now()),
  };
  if (wait === null) return c.json({ jobId: job.id, status: "QUEUED" as const }, 202, answerHeaders);
  // Prefer: wait=N holds the answer until the job ends (200) or N seconds pass (202), with the job either way.
  const current = (await jobStub(c.env, job.id).waitForEnd(wait * 1000)) ?? job;
  return c.json(await jobView(c.env, current, origin, now()), isTerminal(current.status) ? 200 : 202, {
    ...answerHeaders,
    "Preference-Applied": `wait=${wait}`,
  });
});

native.get("/jobs/:id", requireKey(), validate("param", JobParams), async (c) => {
  const rec = await readOwnJob(c.env, c.get("principal"), c.req.valid("param").id);
  return c.json(await jobView(c.env, rec, new URL(c.req.url).origin, now()));
});

native.get("/models", (c) => c.json({ data: modelEntries().map((entry) => modelView(entry, c.env, now())) }));
