import * as z from "zod";
import { ADMIN_DIMENSIONS, TOP_JOBS } from "./usage-params";

// The schemas of GET /v2/usage's and GET /admin/usage's answers: documentation only (the OpenAPI build and the tests
// import them), and the types usage.ts builds its answers with.

const FiguresSchema = z.object({
  jobs: z.object({ total: z.int(), active: z.int(), completed: z.int(), failed: z.int(), cancelled: z.int() }),
  images: z.int().meta({ description: "Images delivered." }),
  credits: z
    .object({ reserved: z.int(), held: z.int(), spent: z.int(), refunded: z.int() })
    .meta({ description: "Reserved at admission = held by running jobs + spent (charged) + refunded. `spent` is the ledger's." }),
  upstream: z
    .object({
      apiCreditCost: z.number().nullable().meta({ description: "Leonardo's apiCreditCost, summed; null when no job reported it." }),
      creditCost: z.number().nullable().meta({ description: "apiframe's creditCost, summed." }),
      usage: z.object({ inputTokens: z.int(), outputTokens: z.int(), totalTokens: z.int() }).nullable().meta({ description: "OpenAI's token usage, summed." }),
      usdEstimate: z
        .number()
        .nullable()
        .meta({ description: "The reported tokens at the model's list prices per million tokens (text in, image in, image out), in US dollars; null where neither is known (no provider but OpenAI reports tokens)." }),
    })
    .meta({ description: "What the providers reported they charged." }),
  jobTimeMs: z.object({ p50: z.int().nullable(), p95: z.int().nullable() }).meta({ description: "Of the ended jobs, from creation to the end." }),
});

export const UsageRow = FiguresSchema.extend({
  day: z.string().nullable().optional(),
  model: z.string().nullable().optional(),
  provider: z.string().nullable().optional().meta({ description: "The provider that served the job; null for a job that never reached one." }),
  key: z.string().nullable().optional().meta({ description: "The key that created the job; null for jobs from before keys were recorded." }),
  account: z.string().nullable().optional(),
}).meta({ id: "UsageRow", description: "One group: only the dimensions of `groupBy` are present." });

export const CostlyJobView = z.object({
  id: z.string(),
  model: z.string(),
  key: z.string().nullable(),
  account: z.string().optional(),
  createdAt: z.string(),
  creditCost: z.int().meta({ description: "Credits charged." }),
  url: z.string().meta({ description: "The job's JSON (`GET /v2/jobs/:id`)." }),
});

export const Usage = z
  .object({
    from: z.string(),
    to: z.string(),
    groupBy: z.array(z.enum(ADMIN_DIMENSIONS)),
    rows: z.array(UsageRow),
    totals: FiguresSchema,
    costliestJobs: z.array(CostlyJobView).meta({ description: `The ${TOP_JOBS} ended jobs charged the most.` }),
  })
  .meta({ id: "Usage" });

export type Figures = z.infer<typeof FiguresSchema>;
export type UsageRow = z.infer<typeof UsageRow>;
export type CostlyJobView = z.infer<typeof CostlyJobView>;
export type Usage = z.infer<typeof Usage>;

/** One answer, for the documentation of GET /v2/usage and, grouped by account, GET /admin/usage. */
export const usageExample = {
  from: "2026-12-01",
  to: "2026-12-02",
  groupBy: ["day", "model"],
  rows: [
    {
      day: "2026-12-01",
      model: "gpt-image-2",
      jobs: { total: 3, active: 0, completed: 2, failed: 1, cancelled: 0 },
      images: 3,
      credits: { reserved: 16, held: 0, spent: 12, refunded: 4 },
      upstream: { apiCreditCost: 9, creditCost: null, usage: { inputTokens: 40, outputTokens: 4_160, totalTokens: 4_200 }, usdEstimate: 0.125 },
      jobTimeMs: { p50: 8_200, p95: 31_000 },
    },
  ],
  totals: {
    jobs: { total: 3, active: 0, completed: 2, failed: 1, cancelled: 0 },
    images: 3,
    credits: { reserved: 16, held: 0, spent: 12, refunded: 4 },
    upstream: { apiCreditCost: 9, creditCost: null, usage: { inputTokens: 40, outputTokens: 4_160, totalTokens: 4_200 }, usdEstimate: 0.125 },
    jobTimeMs: { p50: 8_200, p95: 31_000 },
  },
  costliestJobs: [
    { id: "0f8c2b6e-3a41-4d2e-9b7a-5c1d2e3f4a5b", model: "gpt-image-2", key: "key_R4t8Wn2Zc6Yb", createdAt: "2026-12-01T09:30:00.000Z", creditCost: 8, url: "/v2/jobs/0f8c2b6e-3a41-4d2e-9b7a-5c1d2e3f4a5b" },
  ],
} satisfies Usage;
