import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../lib/errors";
import { resolveKey } from "./keys";

// The key → account seam: every authenticated route goes through requireKey(); keys.ts resolves keys.

export { resolveKey };

export function presentedKey(headers: Headers): string | null {
  const auth = headers.get("authorization");
  if (auth) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return match?.[1] ?? null;
  }
  return headers.get("x-api-key");
}

export const requireKey = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const key = presentedKey(c.req.raw.headers);
  if (!key) throw new ApiError("unauthorized", "Send your API key as `Authorization: Bearer <key>` or `X-API-Key: <key>`.");
  const principal = await resolveKey(c.env, key);
  if (!principal) throw new ApiError("unauthorized", "This API key is not valid.");
  c.set("principal", principal);
  await next();
};
