import * as z from "zod";
import { modelEntries } from "../../catalogue";
import type { RouteDocs } from "../../docs/registry";
import { JobView } from "../../jobs/view.docs";
import { createHeaders, idempotencyKeyParam } from "../idempotency-key.docs";
import { createdExample, jobExample } from "./examples";
import { ModelList } from "./models.docs";
import { problems } from "../../lib/problem.docs";
import { JobCreated } from "./schemas";
import { StatusView } from "./status.docs";

// The documentation of the native job API's routes (routes.ts).

const TAG = "Native API";

/** Which models take which parameter key, from the catalogue: "`gptImageParams` (gpt-image-1.5), …". */
const paramsKeys = (): string => {
  const byKey = new Map<string, string[]>();
  for (const e of modelEntries()) byKey.set(e.paramsKey, [...(byKey.get(e.paramsKey) ?? []), e.id]);
  return [...byKey].map(([key, ids]) => `\`${key}\` (${ids.join(", ")})`).join(", ");
};

export const nativeDocs = {
  createJob: {
    summary: "Create an image job",
    description:
      "Validates the request against the model catalogue, picks the providers that can serve it and queues the job. " +
      `Model parameters go under the model's own key (${paramsKeys()}); unknown keys are ` +
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
      "Idempotency-Key": idempotencyKeyParam("a 422"),
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
          ...createHeaders,
          Deprecation: "Set when the model is deprecated (RFC 9745).",
          Sunset: "The date the deprecated model stops answering (RFC 8594).",
          "imagegate-model-upgrade": "`<retired> -> <successor>` when the operator's RETIRED_MODEL_UPGRADES served a retired model's request with its successor.",
        },
      },
      ...problems(400, 401, 402, 409, 410, 413, 415, 422, 429, 503),
    },
  },
  getJob: {
    summary: "Get a job",
    description:
      "The job's status and progress; once `COMPLETED`, `result.images` (URLs) and `result.files` (size, type, sha256). " +
      "Private image URLs are signed and expire (`FILE_URL_TTL_SECONDS`): read the job again for fresh ones.",
    tag: TAG,
    auth: "key",
    responses: { 200: { description: "The job.", schema: JobView, example: jobExample }, ...problems(400, 401, 404) },
  },
  listModels: {
    summary: "List the models",
    description: "The catalogue: sizes, qualities, defaults, prices in credits, lifecycle dates, and the providers configured for each model.",
    tag: TAG,
    auth: "none",
    responses: { 200: { description: "Every model.", schema: ModelList }, ...problems(503) },
  },
  providerStatus: {
    summary: "Provider health",
    description: "Each provider's circuit state, recent error rate and p50 latency.",
    tag: TAG,
    auth: "none",
    responses: { 200: { description: "Every provider's health.", schema: StatusView } },
  },
} satisfies RouteDocs;
