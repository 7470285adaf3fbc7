import * as z from "zod";
import { invalidField } from "../docs/errors";
import type { RouteDocs } from "../docs/registry";
import { ApiError } from "../lib/errors";
import { problems } from "../surfaces/native/problem.docs";
import { disabled, overdrawn, refused } from "./admin";
import { Ledger } from "./ledger";

// The documentation of /admin (admin.ts), and the schemas of its answers, which type what admin.ts answers with.

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
