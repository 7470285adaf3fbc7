import type { MiddlewareHandler } from "hono";
import type { AppEnv, Env, Principal } from "../env";
import { isDevelopment } from "../env";
import { timingSafeEqual } from "../lib/crypto";
import { ApiError } from "../lib/errors";

// The key → account seam. Today: the local development key; the accounts issue adds stored keys behind resolveKey.

export function presentedKey(headers: Headers): string | null {
  const auth = headers.get("authorization");
  if (auth) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1] ?? null;
  }
  return headers.get("x-api-key");
}

export async function resolveKey(env: Env, key: string): Promise<Principal | null> {
  if (isDevelopment(env) && env.DEV_API_KEY && timingSafeEqual(key, env.DEV_API_KEY)) {
    return { accountId: "dev", keyId: "dev" };
  }
  return null;
}

export const requireKey = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const key = presentedKey(c.req.raw.headers);
  if (!key) throw new ApiError("unauthorized", "Send your API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.");
  const principal = await resolveKey(c.env, key);
  if (!principal) throw new ApiError("unauthorized", "This API key is not valid.");
  c.set("principal", principal);
  await next();
};
