import * as z from "zod";

// The schema of GET /v2/status's answer: documentation only (the OpenAPI build and the tests import it), and the type
// status.ts builds its answer with.

export const StatusView = z
  .object({
    providers: z.array(
      z.object({
        name: z.string(),
        configured: z.boolean(),
        circuit: z.enum(["closed", "open", "half_open"]).nullable(),
        errorRate: z.number().nullable(),
        calls: z.number(),
        p50Ms: z.number().nullable(),
        openedAt: z.string().nullable(),
      }),
    ),
    windowSeconds: z.number(),
  })
  .meta({ id: "Status" });

export type StatusView = z.infer<typeof StatusView>;
