import type { RouteDocs } from "../../docs/registry";
import { ApiError, invalidField } from "../../lib/errors";
import { Usage, usageExample } from "../../accounts/usage.docs";
import { problems } from "../../lib/problem.docs";

// The documentation of GET /v2/usage (usage.ts).

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
