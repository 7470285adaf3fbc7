import { Hono } from "../../lib/hono-app";
import type { AppEnv } from "../../env";
import { requireKey } from "../../accounts/auth";
import { keyOwner } from "../../accounts/keys";
import { UsageParams } from "../../accounts/usage-params";
import { usageCsv, wantsCsv } from "../../accounts/usage-csv";
import { usageReport } from "../../accounts/usage-report";
import { ApiError } from "../../lib/errors";
import { now } from "../../lib/clock";
import { validate } from "../../lib/validation";
import { doc } from "../../docs/registry";
import { renderProblem } from "../../lib/problem";

// GET /v2/usage: the caller's account's jobs, credits and upstream cost, summed from its ledger, as JSON or CSV.
// Documented in usage.docs.ts.

export const usageRoutes = new Hono<AppEnv>();
usageRoutes.onError(renderProblem);

usageRoutes.get("/usage", doc("getUsage"), requireKey(), validate("query", UsageParams), async (c) => {
  const principal = c.get("principal");
  const q = c.req.valid("query");
  // Another account's key is not there, exactly as a key that never was: 404 either way.
  if (q.key !== undefined && (await keyOwner(c.env, q.key))?.accountId !== principal.accountId) throw new ApiError("not_found", `No key ${q.key} in this account.`);
  const report = await usageReport(c.env, [principal.accountId], principal.keyId, q, now());
  if (!report) throw new ApiError("unauthorized", "This API key is not valid.");
  const headers = { "Cache-Control": "no-store", Vary: "Accept" };
  if (wantsCsv(c.req.header("accept"))) {
    return c.body(usageCsv(report.groupBy, report.rows), 200, { ...headers, "Content-Type": "text/csv; charset=utf-8" });
  }
  return c.json(report, 200, headers);
});
