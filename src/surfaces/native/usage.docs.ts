import type { RouteDocs } from "../../docs/registry";
import { invalidField } from "../../docs/errors";
import { ApiError } from "../../lib/errors";
import { Usage } from "../../accounts/usage.docs";
import { problems } from "./problem.docs";

// The documentation of GET /v2/usage (usage.ts).

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
};

const CSV_EXAMPLE =
  "day,model,jobs_total,jobs_active,jobs_completed,jobs_failed,jobs_cancelled,images,credits_reserved,credits_held,credits_spent,credits_refunded," +
  "upstream_api_credit_cost,upstream_credit_cost,upstream_input_tokens,upstream_output_tokens,upstream_total_tokens,job_time_ms_p50,job_time_ms_p95\r\n" +
  "2026-12-01,gpt-image-2,3,0,2,1,0,3,16,0,12,4,9,,40,4160,4200,8200,31000\r\n";

export const usageDocs = {
  getUsage: {
    summary: "Your usage and spend",
    description:
      "Jobs, images, credits and the providers' reported cost of the account's jobs, grouped by day (UTC, of creation), " +
      "model, provider or key, or by two of them. Summed from the account's ledger: `totals.credits.spent` over all time " +
      "is the ledger's `spent`. `Accept: text/csv` answers the rows as CSV. Jobs of revoked keys stay in the figures.",
    tag: "Account",
    auth: "key",
    responses: {
      200: {
        description: "The usage rows and their totals.",
        schema: Usage,
        example: usageExample,
        headers: { Vary: "`Accept`: JSON or CSV." },
        alternatives: { "text/csv": { example: CSV_EXAMPLE } },
      },
      ...problems(invalidField("to", "from and to may be at most 93 days apart"), 401, new ApiError("not_found", "No key key_R4t8Wn2Zc6Yb in this account.")),
    },
  },
} satisfies RouteDocs;
