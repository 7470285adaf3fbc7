import * as z from "zod";
import type { RouteDocs } from "../../docs/registry";
import { ApiError, invalidField } from "../../lib/errors";
import { problems } from "../../lib/problem.docs";
import { disabled, overdrawn, refused } from "./refusals";
import { BudgetState } from "../../accounts/budget.docs";
import { Ledger } from "../../accounts/ledger";
import { Usage, usageExample } from "../../accounts/usage.docs";

// The documentation of /admin (routes.ts), and the schemas of its answers, which type what routes.ts answers with.

export const MintedKey = z
  .object({
    id: z.string().meta({ description: "The key's id, to revoke it by." }),
    key: z.string().meta({ description: "The key itself. Shown this once: only its hash is stored." }),
    accountId: z.string(),
  })
  .meta({ id: "MintedKey", examples: [{ id: "key_R4t8Wn2Zc6Yb", key: "ig_live_3kq9ZxV2mB7nW4pR8tY1cL6dF0hJ5sA2", accountId: "acct_7Hq2mX9vK3pL" }] });

export const Granted = z
  .object({ accountId: z.string(), credits: Ledger })
  .meta({ examples: [{ accountId: "acct_7Hq2mX9vK3pL", credits: { granted: 20_000, balance: 19_960, reserved: 16, spent: 24 } }] });

export const KeyBudget = z
  .object({ id: z.string(), accountId: z.string(), budget: BudgetState.nullable().meta({ description: "Null: the key has no budget." }) })
  .meta({
    id: "KeyBudget",
    examples: [{ id: "key_R4t8Wn2Zc6Yb", accountId: "acct_7Hq2mX9vK3pL", budget: { keyId: "key_R4t8Wn2Zc6Yb", credits: 500, period: "day", used: 120, remaining: 380, resetsAt: "2026-12-03T00:00:00.000Z" } }],
  });

const TAG = "Admin";
const ADMIN_ERRORS = [refused(), disabled()];

export const adminDocs = {
  adminCreateKey: {
    summary: "Create an API key",
    description: "Mints a key for a new account, or for an existing one with `accountId`. The key is in this answer only.",
    tag: TAG,
    auth: "admin",
    responses: {
      201: { description: "The key.", schema: MintedKey, headers: { "Cache-Control": "`no-store`: the body holds the key." } },
      ...problems(invalidField("name", "Too small: expected string to have >=1 characters"), ...ADMIN_ERRORS, 413, 415),
    },
  },
  adminRevokeKey: {
    summary: "Revoke an API key",
    description: "Its account refuses the key at once, and every Worker within seconds. The account, its credits and its jobs stay.",
    tag: TAG,
    auth: "admin",
    responses: {
      204: { description: "Revoked." },
      ...problems(invalidField("id", "Too big: expected string to have <=64 characters"), ...ADMIN_ERRORS, new ApiError("not_found", "No active key key_R4t8Wn2Zc6Yb.")),
    },
  },
  adminUpdateKey: {
    summary: "Set a key's budget",
    description:
      "A budget caps the credits a key uses per UTC day or calendar month: what its jobs were charged plus what its running jobs hold. " +
      "A create beyond it answers 402 (in each surface's envelope) naming the budget, what is left and when it resets. Applies at once.",
    tag: TAG,
    auth: "admin",
    responses: {
      200: { description: "The key's budget, with what it has used this period.", schema: KeyBudget },
      ...problems(invalidField("budget.period", 'Invalid option: expected one of "day"|"month"'), ...ADMIN_ERRORS, 413, 415, new ApiError("not_found", "No active key key_R4t8Wn2Zc6Yb.")),
    },
  },
  adminUsage: {
    summary: "Usage across accounts",
    description:
      "The rows of `GET /v2/usage` for every account that has or had a key (or one, with `accountId`), groupable by `account` too; " +
      "the costliest jobs name their account.",
    tag: TAG,
    auth: "admin",
    responses: {
      200: {
        description: "The usage rows and their totals.",
        schema: Usage,
        example: { ...usageExample, groupBy: ["account"], rows: usageExample.rows.map(({ day: _day, model: _model, ...r }) => ({ account: "acct_7Hq2mX9vK3pL", ...r })) },
      },
      ...problems(invalidField("groupBy", '"team" is not one of day, model, provider, key, account'), ...ADMIN_ERRORS, new ApiError("not_found", "No key key_R4t8Wn2Zc6Yb.")),
    },
  },
  adminGrantCredits: {
    summary: "Grant or remove credits",
    tag: TAG,
    auth: "admin",
    responses: {
      200: { description: "The account's credits after the grant.", schema: Granted },
      ...problems(invalidField("amount", "must not be 0"), ...ADMIN_ERRORS, 413, 415, overdrawn(500, { granted: 1_000, balance: 120, reserved: 0, spent: 880 })),
    },
  },
} satisfies RouteDocs;
