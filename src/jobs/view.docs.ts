import * as z from "zod";
import { JOB_STATUSES } from "./record";

// The schema of the job as clients see it (SPEC §2.1): documentation only (the OpenAPI build and the tests import it),
// and the type view.ts builds it with.

export const JobFile = z.object({
  url: z.string(),
  width: z.number().nullable(),
  height: z.number().nullable(),
  contentType: z.string(),
  byteSize: z.number(),
  sha256: z.string(),
});

export const JobView = z
  .object({
    id: z.string(),
    status: z.enum(JOB_STATUSES),
    model: z.string().meta({ description: "The model that serves the job." }),
    requestedModel: z.string().meta({ description: "The model the request named; another than `model` when a retired model was upgraded." }),
    modelUpgrade: z
      .object({
        from: z.string(),
        to: z.string(),
        dropped: z.array(z.string()).meta({ description: "Settings of the request the serving model does not take (e.g. `referenceStrength`, `inputFidelity`), left out." }),
      })
      .nullable()
      .meta({ description: "Set when the operator's RETIRED_MODEL_UPGRADES served a retired model's request with its successor." }),
    provider: z.string().nullable(),
    progress: z.number().nullable(),
    result: z.object({ images: z.array(z.string()), files: z.array(JobFile) }).nullable(),
    error: z.string().nullable(),
    errorCode: z.string().nullable(),
    creditCost: z.number(),
    webhookStatus: z.enum(["pending", "delivered", "failed"]).nullable(),
    createdAt: z.string(),
    completedAt: z.string().nullable(),
    attempts: z.array(
      z.object({ provider: z.string(), outcome: z.string(), ms: z.number(), upstreamId: z.string().optional(), detail: z.string().optional() }),
    ),
    input: z.unknown(),
    metadata: z.record(z.string(), z.string()),
  })
  .meta({ id: "Job" });

export type JobView = z.infer<typeof JobView>;
