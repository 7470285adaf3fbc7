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
import { JobView, jobView } from "../../jobs/view";
import { doc } from "../../docs/registry";
import { createdExample, jobExample } from "./examples";
import { idempotencyOf } from "./idempotency-key";
import { ModelList, modelView } from "./models";
import { preferredWait } from "./prefer";
import { GenerateRequest, JobCreated } from "./schemas";
import { nativeToJobRequest } from "./to-spec";
import { problems, renderProblem } from "./problem";
import { StatusView, statusView } from "./status";

// /v2: the native job API (seed 002's dialect). Routes stay thin: parse, call, render.

export const native = new Hono<AppEnv>();
native.onError(renderProblem);

const JobParams = z.object({ id: z.string().max(64).meta({ description: "The job's id, as returned on creation." }) });
const TAG = "Native API";

const createJobDoc = doc({
  operationId: "createJob",
  summary: "Create an image job",
  description:
    "Validates the request against the model catalogue, picks the providers that can serve it and queues the job. " +
    "Model parameters go under `gptImageParams` (gpt-image-1.5) or `gptImage2Params` (gpt-image-2); unknown keys are " +
    "refused. Follow the job with `GET /v2/jobs/{id}`, its event stream, or a webhook; or send `Prefer: wait=N` to " +
    "have the answer held until the job ends (at most N seconds, N ≤ 60).",
  tag: TAG,
  auth: "key",
  params: {
    Prefer: {
      in: "header",
      description: "`wait=N` (RFC 7240): hold the answer until the job ends or N seconds pass (N above 60 counts as 60).",
      schema: z.string(),
    },
    "Idempotency-Key": {
      in: "header",
      description: "Up to 255 printable ASCII characters. Repeating a request with the same key and body returns the same job (`Idempotent-Replayed: true`) instead of making another; the same key with another body is a 422.",
      schema: z.string().min(1).max(255),
    },
  },
  responses: {
    200: {
      description: "With `Prefer: wait=N`: the job ended within N seconds; the finished job.",
      schema: JobView,
      example: jobExample,
      headers: { Location: "`/v2/jobs/<id>`", "Preference-Applied": "`wait=N`, the wait applied" },
    },
    202: {
      description: "The job is queued: `{jobId, status}`; with `Prefer: wait=N`, the job as it stands when N seconds have passed.",
      schema: z.union([JobCreated, JobView]),
      example: createdExample,
      headers: {
        Location: "`/v2/jobs/<id>`",
        "Preference-Applied": "With `Prefer: wait=N`: `wait=N`, the wait applied.",
        "Idempotent-Replayed": "`true` when an earlier request with this Idempotency-Key made the job.",
        "RateLimit-Limit": "Jobs this key may create per minute.",
        "RateLimit-Remaining": "Jobs left in the current minute.",
        "RateLimit-Reset": "Seconds until the window resets.",
        Deprecation: "Set when the model is deprecated (RFC 9745).",
        Sunset: "The date the deprecated model stops answering (RFC 8594).",
      },
    },
    ...problems(400, 401, 402, 409, 410, 413, 415, 422, 429, 503),
  },
});

native.post("/images/generate", createJobDoc, requireKey(), jsonBody(), validate("json", GenerateRequest), async (c) => {
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

const getJobDoc = doc({
  operationId: "getJob",
  summary: "Get a job",
  description:
    "The job's status and progress; once `COMPLETED`, `result.images` (URLs) and `result.files` (size, type, sha256). " +
    "Private image URLs are signed and expire (`FILE_URL_TTL_SECONDS`): read the job again for fresh ones.",
  tag: TAG,
  auth: "key",
  responses: { 200: { description: "The job.", schema: JobView, example: jobExample }, ...problems(400, 401, 404) },
});

native.get("/jobs/:id", getJobDoc, requireKey(), validate("param", JobParams), async (c) => {
  const rec = await readOwnJob(c.env, c.get("principal"), c.req.valid("param").id);
  return c.json(await jobView(c.env, rec, new URL(c.req.url).origin, now()));
});

const listModelsDoc = doc({
  operationId: "listModels",
  summary: "List the models",
  description: "The catalogue: sizes, qualities, defaults, prices in credits, lifecycle dates, and the providers configured for each model.",
  tag: TAG,
  auth: "none",
  responses: { 200: { description: "Every model.", schema: ModelList } },
});

native.get("/models", listModelsDoc, (c) => {
  const list: z.infer<typeof ModelList> = { data: modelEntries().map((entry) => modelView(entry, c.env, now())) };
  return c.json(list);
});

const statusDoc = doc({
  operationId: "providerStatus",
  summary: "Provider health",
  description: "Each provider's circuit state, recent error rate and p50 latency.",
  tag: TAG,
  auth: "none",
  responses: { 200: { description: "Every provider's health.", schema: StatusView } },
});

native.get("/status", statusDoc, async (c) => c.json(await statusView(c.env, now())));
