import * as z from "zod";
import { BudgetState } from "../../accounts/budget.docs";
import { Ledger } from "../../accounts/ledger";
import type { RouteDocs } from "../../docs/registry";
import { JobView } from "../../jobs/view.docs";
import { jobExample } from "./examples";
import { problems } from "../../lib/problem.docs";

// The documentation of /v2/me and /v2/jobs (account.ts), and the schemas of their bodies, which type what account.ts
// answers with.

export const Me = z
  .object({
    accountId: z.string(),
    keyId: z.string().meta({ description: "The key this request was made with." }),
    credits: Ledger,
    budgets: z.array(BudgetState).meta({ description: "The budget of each of the account's keys that has one (`POST`/`PATCH /admin/keys`), with what it has used this period." }),
    limits: z.object({ requestsPerMinute: z.number().int().meta({ description: "Jobs and uploads this key may create per minute." }) }),
    storage: z
      .object({
        uploads: z.number().int().meta({ description: "Live uploads (not yet expired), counting those being stored." }),
        bytes: z.number().int().meta({ description: "Their bytes (an upload being stored counts as its declared size)." }),
        maxUploads: z.number().int(),
        maxBytes: z.number().int(),
      })
      .meta({ description: "The account's storage quota for uploads; past it an upload is refused with 429 until uploads expire." }),
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
        budgets: [{ keyId: "key_R4t8Wn2Zc6Yb", credits: 5_000, period: "month", used: 40, remaining: 4_960, resetsAt: "2027-01-01T00:00:00.000Z" }],
        storage: { uploads: 3, bytes: 4_194_304, maxUploads: 500, maxBytes: 2_147_483_648 },
        webhookSecret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZoo9LrJmbwKhuq0FRtyPY=",
        previousWebhookSecretExpiresAt: null,
      },
    ],
  });

export const JobList = z
  .object({
    data: z.array(JobView).meta({ description: "Newest first. With a status filter a page may hold fewer than `limit` jobs." }),
    nextCursor: z.string().nullable().meta({ description: "Pass as `cursor` for the next page; null on the last." }),
  })
  .meta({ id: "JobList", examples: [{ data: [jobExample], nextCursor: "41" }] });

const TAG = "Account";
const NO_STORE = { "Cache-Control": "`no-store`: the body holds the webhook secret." };

export const accountDocs = {
  getAccount: {
    summary: "Your account",
    description: "The account of the API key: credits, the key's rate limit and the webhook signing secret.",
    tag: TAG,
    auth: "key",
    responses: { 200: { description: "The account.", schema: Me, headers: NO_STORE }, ...problems(401) },
  },
  rotateWebhookSecret: {
    summary: "Rotate the webhook secret",
    description:
      "Makes a new webhook signing secret. For 24 hours the previous one stays valid: deliveries carry a signature " +
      "with each (Standard Webhooks), so receivers can switch over without missing an event.",
    tag: TAG,
    auth: "key",
    responses: { 200: { description: "The account, with its new secret.", schema: Me, headers: NO_STORE }, ...problems(401) },
  },
  listJobs: {
    summary: "List your jobs",
    description: "The account's jobs, newest first, a page at a time.",
    tag: "Native API",
    auth: "key",
    responses: { 200: { description: "A page of jobs.", schema: JobList }, ...problems(400, 401) },
  },
} satisfies RouteDocs;
