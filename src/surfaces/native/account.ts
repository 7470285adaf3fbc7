import { Hono } from "hono";
import * as z from "zod";
import { MODEL_IDS } from "../../catalogue";
import type { AppEnv, Principal } from "../../env";
import { requireKey } from "../../accounts/auth";
import type { AccountView } from "../../accounts/account-do";
import { accountStub } from "../../accounts/account-stub";
import { Ledger } from "../../accounts/ledger";
import { ApiError } from "../../lib/errors";
import { now } from "../../lib/clock";
import { validate } from "../../lib/validation";
import { jobStub } from "../../jobs/admit";
import { JOB_STATUSES } from "../../jobs/record";
import { JobView, jobView } from "../../jobs/view";
import { doc } from "../../docs/registry";
import { jobExample } from "./examples";
import { problems, renderProblem } from "./problem";

// /v2/me (the caller's account, its webhook secret and its rotation) and /v2/jobs (the caller's jobs, newest first).

export const account = new Hono<AppEnv>();
account.onError(renderProblem);

const revoked = (): ApiError => new ApiError("unauthorized", "This API key is not valid.");

const Me = z
  .object({
    accountId: z.string(),
    keyId: z.string().meta({ description: "The key this request was made with." }),
    credits: Ledger,
    limits: z.object({ requestsPerMinute: z.number().int().meta({ description: "Jobs this key may create per minute." }) }),
    webhookSecret: z.string().meta({ description: "The Standard Webhooks secret (`whsec_…`) that signs this account's webhooks." }),
    previousWebhookSecretExpiresAt: z
      .string()
      .nullable()
      .meta({ description: "After a rotation, deliveries are signed with the previous secret too, until this time (ISO 8601)." }),
  })
  .meta({
    id: "Account",
    examples: [
      {
        accountId: "acct_7Hq2mX9vK3pL",
        keyId: "key_R4t8Wn2Zc6Yb",
        credits: { balance: 9_960, reserved: 16, spent: 24, granted: 10_000 },
        limits: { requestsPerMinute: 60 },
        webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZoo9LrJmbwKhuq0FRtyPY=",
        previousWebhookSecretExpiresAt: null,
      },
    ],
  });

const JobList = z
  .object({
    data: z.array(JobView).meta({ description: "Newest first. With a status filter a page may hold fewer than `limit` jobs." }),
    nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last." }),
  })
  .meta({ id: "JobList", examples: [{ data: [jobExample], nextCursor: "41" }] });

function meView(principal: Principal, view: AccountView): z.infer<typeof Me> {
  const { granted, balance, reserved, spent } = view.ledger;
  return {
    accountId: principal.accountId,
    keyId: principal.keyId,
    credits: { balance, reserved, spent, granted },
    limits: { requestsPerMinute: principal.requestsPerMinute },
    webhookSecret: view.webhookSecret,
    previousWebhookSecretExpiresAt: view.previousWebhookSecretRetiresAt === null ? null : new Date(view.previousWebhookSecretRetiresAt).toISOString(),
  };
}

const TAG = "Account";
const NO_STORE = { "Cache-Control": "`no-store`: the body holds the webhook secret." };

const meDoc = doc({
  operationId: "getAccount",
  summary: "Your account",
  description: "The account of the API key: credits, the key's rate limit and the webhook signing secret.",
  tag: TAG,
  auth: "key",
  responses: { 200: { description: "The account.", schema: Me, headers: NO_STORE }, ...problems(401) },
});

account.get("/me", meDoc, requireKey(), async (c) => {
  const principal = c.get("principal");
  const view = await accountStub(c.env, principal.accountId).view(principal.keyId);
  if (!view) throw revoked();
  return c.json(meView(principal, view), 200, { "Cache-Control": "no-store" });
});

const rotateDoc = doc({
  operationId: "rotateWebhookSecret",
  summary: "Rotate the webhook secret",
  description:
    "Makes a new webhook signing secret. For 24 hours the previous one stays valid: deliveries carry a signature " +
    "with each (Standard Webhooks), so receivers can switch over without missing an event.",
  tag: TAG,
  auth: "key",
  responses: { 200: { description: "The account, with its new secret.", schema: Me, headers: NO_STORE }, ...problems(401) },
});

account.post("/me/webhook-secret/rotate", rotateDoc, requireKey(), async (c) => {
  const principal = c.get("principal");
  const view = await accountStub(c.env, principal.accountId).rotateWebhookSecret(principal.keyId);
  if (!view) throw revoked();
  return c.json(meView(principal, view), 200, { "Cache-Control": "no-store" });
});

const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20).meta({ description: "Jobs per page (default 20)." }),
  cursor: z.string().regex(/^\d{1,15}$/, "not a cursor from a previous page").optional().meta({ description: "`nextCursor` of the previous page." }),
  status: z.enum(JOB_STATUSES).optional().meta({ description: "Only jobs in this status." }),
  model: z.enum(MODEL_IDS).optional().meta({ description: "Only jobs of this model." }),
});

const listJobsDoc = doc({
  operationId: "listJobs",
  summary: "List your jobs",
  description: "The account's jobs, newest first, a page at a time.",
  tag: "Native API",
  auth: "key",
  responses: { 200: { description: "A page of jobs.", schema: JobList }, ...problems(400, 401) },
});

account.get("/jobs", listJobsDoc, requireKey(), validate("query", ListQuery), async (c) => {
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
