import type { MiddlewareHandler } from "hono";
import { Hono } from "../../lib/hono-app";
import * as z from "../../lib/zod";
import type { AppEnv } from "../../env";
import { now } from "../../lib/clock";
import { timingSafeEqual } from "../../lib/crypto";
import { ApiError } from "../../lib/errors";
import { jsonBody } from "../../lib/json-body";
import { validate } from "../../lib/validation";
import { doc } from "../../docs/registry";
import { renderProblem } from "../../lib/problem";
import { disabled, overdrawn, refused } from "./refusals";
import type { Granted, KeyBudget, MintedKey } from "./routes.docs";
import { accountStub } from "../../accounts/account-stub";
import { Budget } from "../../accounts/budget";
import { keyOwner, knownAccounts, mintKey, revokeKey } from "../../accounts/keys";
import { AdminUsageParams } from "../../accounts/usage-params";
import { usageReport } from "../../accounts/usage-report";

// /admin: keys, their budgets, credits and usage across accounts, for the operator. Guarded by the ADMIN_TOKEN secret;
// with no token set, refused outright. Documented in routes.docs.ts, with the schemas of its answers.

export const adminRoutes = new Hono<AppEnv>();
adminRoutes.onError(renderProblem);

const requireAdmin = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) throw disabled();
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  if (!match || !timingSafeEqual(match[1]!, expected)) throw refused();
  await next();
};

adminRoutes.use("*", requireAdmin());

const ACCOUNT_ID = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "1 to 64 letters, digits, _ or -"));

const NewKey = z.withMeta(
  z.strictObject({
    name: z.withMeta(z.string().check(z.trim(), z.minLength(1), z.maxLength(100)), { description: "What the key is for; shown to the operator only." }),
    accountId: z.withMeta(z.optional(ACCOUNT_ID), { description: "Add the key to this account; without it a new account is opened." }),
    rateLimit: z.withMeta(z.optional(z.strictObject({ requestsPerMinute: z.int().check(z.gte(1), z.lte(100_000)) })), {
      description: "Jobs the key may create per minute; default RATE_LIMIT_PER_MINUTE (60).",
    }),
    budget: z.withMeta(z.optional(Budget), { description: "Credits the key may use per day or month; a create beyond it is a 402. Default: none." }),
  }),
  { id: "NewKey", examples: [{ name: "billing-service", rateLimit: { requestsPerMinute: 120 }, budget: { credits: 5_000, period: "month" } }] },
);

const KeyPatch = z.withMeta(z.strictObject({ budget: z.withMeta(z.nullable(Budget), { description: "The key's new budget; null removes it." }) }), {
  id: "KeyPatch",
  examples: [{ budget: { credits: 500, period: "day" } }],
});

const Credits = z.withMeta(
  z.strictObject({
    amount: z.withMeta(
      z.int().check(
        z.gte(-1_000_000_000),
        z.lte(1_000_000_000),
        z.refine((n) => n !== 0, "must not be 0"),
      ),
      { description: "Credits to add; negative to remove (never below a zero balance)." },
    ),
  }),
  { id: "CreditGrant", examples: [{ amount: 10_000 }] },
);

adminRoutes.post("/keys", doc("adminCreateKey"), jsonBody(), validate("json", NewKey), async (c) => {
  const minted: z.infer<typeof MintedKey> = await mintKey(c.env, c.req.valid("json"));
  return c.json(minted, 201, { "Cache-Control": "no-store" });
});

const KeyParams = z.object({ id: z.withMeta(z.string().check(z.maxLength(64)), { description: "The key's id (`key_…`)." }) });

adminRoutes.delete("/keys/:id", doc("adminRevokeKey"), validate("param", KeyParams), async (c) => {
  const { id } = c.req.valid("param");
  if (!(await revokeKey(c.env, id))) throw new ApiError("not_found", `No active key ${id}.`);
  return c.body(null, 204);
});

adminRoutes.patch("/keys/:id", doc("adminUpdateKey"), validate("param", KeyParams), jsonBody(), validate("json", KeyPatch), async (c) => {
  const { id } = c.req.valid("param");
  const owner = await keyOwner(c.env, id);
  if (!owner || owner.revoked) throw new ApiError("not_found", `No active key ${id}.`);
  const states = await accountStub(c.env, owner.accountId).setBudget(id, c.req.valid("json").budget);
  const answer: z.infer<typeof KeyBudget> = { id, accountId: owner.accountId, budget: states.find((b) => b.keyId === id) ?? null };
  return c.json(answer);
});

adminRoutes.get("/usage", doc("adminUsage"), validate("query", AdminUsageParams), async (c) => {
  const q = c.req.valid("query");
  let accounts = q.accountId !== undefined ? [q.accountId] : await knownAccounts(c.env);
  if (q.key !== undefined) {
    const owner = await keyOwner(c.env, q.key);
    if (!owner) throw new ApiError("not_found", `No key ${q.key}.`);
    accounts = accounts.filter((a) => a === owner.accountId);
  }
  return c.json(await usageReport(c.env, accounts, null, q, now()), 200, { "Cache-Control": "no-store" });
});

const AccountParams = z.object({ id: z.withMeta(ACCOUNT_ID, { description: "The account's id." }) });

adminRoutes.post("/accounts/:id/credits", doc("adminGrantCredits"), validate("param", AccountParams), jsonBody(), validate("json", Credits), async (c) => {
  const accountId = c.req.valid("param").id;
  const { amount } = c.req.valid("json");
  const { ok, ledger } = await accountStub(c.env, accountId).grant(amount);
  if (!ok) throw overdrawn(-amount, ledger);
  const granted: z.infer<typeof Granted> = { accountId, credits: ledger };
  return c.json(granted);
});
