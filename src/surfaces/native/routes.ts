import { Hono } from "hono";
import * as z from "zod";
import { CATALOGUE, modelEntries } from "../../catalogue";
import { lifecycleHeaders } from "../../catalogue/lifecycle";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { now } from "../../lib/clock";
import { jsonBody } from "../../lib/json-body";
import { validate } from "../../lib/validation";
import { admitJob, readOwnJob } from "../../jobs/admit";
import { jobView } from "../../jobs/view";
import { modelView } from "./models";
import { GenerateRequest } from "./schemas";
import { nativeToJobRequest } from "./to-spec";
import { renderProblem } from "./problem";
import { statusView } from "./status";

// /v2: the native job API (seed 002's dialect). Routes stay thin: parse, call, render.

export const native = new Hono<AppEnv>();
native.onError(renderProblem);

const JobParams = z.object({ id: z.string().max(64) });

native.post("/images/generate", requireKey(), jsonBody(), validate("json", GenerateRequest), async (c) => {
  const request = nativeToJobRequest(c.req.valid("json"), c.env);
  const rec = await admitJob(c.env, c.get("principal"), request, new URL(c.req.url).origin);
  const headers = { Location: `/v2/jobs/${rec.id}`, ...lifecycleHeaders(CATALOGUE[rec.spec.model], now()) };
  return c.json({ jobId: rec.id, status: "QUEUED" as const }, 202, headers);
});

native.get("/jobs/:id", requireKey(), validate("param", JobParams), async (c) => {
  const rec = await readOwnJob(c.env, c.get("principal"), c.req.valid("param").id);
  return c.json(await jobView(c.env, rec, new URL(c.req.url).origin, now()));
});

native.get("/models", (c) => c.json({ data: modelEntries().map((entry) => modelView(entry, c.env, now())) }));

native.get("/status", async (c) => c.json(await statusView(c.env, now())));
