import { Hono, type MiddlewareHandler } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env";
import { timingSafeEqual } from "../lib/crypto";
import { ApiError } from "../lib/errors";
import { jsonBody } from "../lib/json-body";
import { validate } from "../lib/validation";
import { renderProblem } from "../surfaces/native/problem";
import { accountStub } from "./account-stub";
import { mintKey, revokeKey } from "./keys";

// /admin: keys and credits, for the operator. Guarded by the ADMIN_TOKEN secret; with no token set, refused outright.

export const admin = new Hono<AppEnv>();
admin.onError(renderProblem);

const requireAdmin = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) throw new ApiError("forbidden", "The admin API is disabled: ADMIN_TOKEN is not set.");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  if (!match || !timingSafeEqual(match[1]!, expected)) {
    throw new ApiError("unauthorized", "Send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`.");
  }
  await next();
};

admin.use("*", requireAdmin());

const ACCOUNT_ID = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "1 to 64 letters, digits, _ or -");

const NewKey = z.strictObject({
  name: z.string().trim().min(1).max(100),
  accountId: ACCOUNT_ID.optional(),
  rateLimit: z.strictObject({ requestsPerMinute: z.int().min(1).max(100_000) }).optional(),
});

const Credits = z.strictObject({
  amount: z
    .int()
    .min(-1_000_000_000)
    .max(1_000_000_000)
    .refine((n) => n !== 0, "must not be 0"),
});

admin.post("/keys", jsonBody(), validate("json", NewKey), async (c) => {
  const minted = await mintKey(c.env, c.req.valid("json"));
  return c.json(minted, 201, { "Cache-Control": "no-store" });
});

admin.delete("/keys/:id", validate("param", z.object({ id: z.string().max(64) })), async (c) => {
  const { id } = c.req.valid("param");
  if (!(await revokeKey(c.env, id))) throw new ApiError("not_found", `No active key ${id}.`);
  return c.body(null, 204);
});

admin.post("/accounts/:id/credits", validate("param", z.object({ id: ACCOUNT_ID })), jsonBody(), validate("json", Credits), async (c) => {
  const accountId = c.req.valid("param").id;
  const { amount } = c.req.valid("json");
  const { ok, ledger } = await accountStub(c.env, accountId).grant(amount);
  if (!ok) {
    throw new ApiError("unprocessable", `Removing ${-amount} credits would take the balance (${ledger.balance}) below zero.`, {
      extra: { credits: ledger },
    });
  }
  return c.json({ accountId, credits: ledger });
});
