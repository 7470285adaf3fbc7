import { Hono } from "../../lib/hono-app";
import * as z from "../../lib/zod";
import { MODEL_IDS } from "../../catalogue";
import type { AppEnv, Env, Principal } from "../../env";
import { requireKey } from "../../accounts/auth";
import type { AccountView } from "../../accounts/account-do";
import { accountStub } from "../../accounts/account-stub";
import { storageLimits } from "../../accounts/storage-quota";
import { ApiError } from "../../lib/errors";
import { now } from "../../lib/clock";
import { validate } from "../../lib/validation";
import { jobStub } from "../../jobs/job-stub";
import { JOB_STATUSES } from "../../jobs/record";
import { jobView } from "../../jobs/view";
import { doc } from "../../docs/registry";
import type { JobList, Me } from "./account.docs";
import { renderProblem } from "../../lib/problem";

// /v2/me (the caller's account, its webhook secret and its rotation) and /v2/jobs (the caller's jobs, newest first).
// Documented in account.docs.ts, with the schemas of the bodies these routes answer with.

export const accountRoutes = new Hono<AppEnv>();
accountRoutes.onError(renderProblem);

const revoked = (): ApiError => new ApiError("unauthorized", "This API key is not valid.");

function meView(env: Env, principal: Principal, view: AccountView): z.infer<typeof Me> {
  const { granted, balance, reserved, spent } = view.ledger;
  return {
    accountId: principal.accountId,
    keyId: principal.keyId,
    credits: { balance, reserved, spent, granted },
    limits: { requestsPerMinute: principal.requestsPerMinute },
    budgets: view.budgets,
    storage: { ...view.storage, ...storageLimits(env) },
    webhookSecret: view.webhookSecret,
    previousWebhookSecretExpiresAt: view.previousWebhookSecretRetiresAt === null ? null : new Date(view.previousWebhookSecretRetiresAt).toISOString(),
  };
}

accountRoutes.get("/me", doc("getAccount"), requireKey(), async (c) => {
  const principal = c.get("principal");
  const view = await accountStub(c.env, principal.accountId).view(principal.keyId);
  if (!view) throw revoked();
  return c.json(meView(c.env, principal, view), 200, { "Cache-Control": "no-store" });
});

accountRoutes.post("/me/webhook-secret/rotate", doc("rotateWebhookSecret"), requireKey(), async (c) => {
  const principal = c.get("principal");
  const view = await accountStub(c.env, principal.accountId).rotateWebhookSecret(principal.keyId);
  if (!view) throw revoked();
  return c.json(meView(c.env, principal, view), 200, { "Cache-Control": "no-store" });
});

const ListQuery = z.strictObject({
  limit: z.withMeta(z._default(z.coercedNumber().check(z.int(), z.gte(1), z.lte(100)), 20), { description: "Jobs per page (default 20)." }),
  cursor: z.withMeta(z.optional(z.string().check(z.regex(/^\d{1,15}$/, "not a cursor from a previous page"))), {
    description: "`nextCursor` of the previous page.",
  }),
  status: z.withMeta(z.optional(z.enum(JOB_STATUSES)), { description: "Only jobs in this status." }),
  model: z.withMeta(z.optional(z.enum(MODEL_IDS)), { description: "Only jobs of this model." }),
});

accountRoutes.get("/jobs", doc("listJobs"), requireKey(), validate("query", ListQuery), async (c) => {
  const principal = c.get("principal");
  const q = c.req.valid("query");
  const page = await accountStub(c.env, principal.accountId).listJobs(principal.keyId, {
    limit: q.limit,
    before: q.cursor === undefined ? null : Number(q.cursor),
    status: q.status ?? null,
    model: q.model ?? null,
  });
  if (!page) throw revoked();
  const records = await Promise.all(page.ids.map((id) => jobStub(c.env, id).read()));
  const origin = new URL(c.req.url).origin;
  const at = now();
  const data = await Promise.all(
    records
      .filter((rec) => rec !== null && rec.accountId === principal.accountId && (q.status === undefined || rec.status === q.status))
      .map((rec) => jobView(c.env, rec!, origin, at)),
  );
  const list: z.infer<typeof JobList> = { data, nextCursor: page.next === null ? null : String(page.next) };
  return c.json(list);
});
