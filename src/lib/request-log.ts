import type { MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import type { AppEnv, Principal } from "../env";
import { now } from "./clock";

// One JSON line per request, beside the JobDO's one line per job (when it ends) (both carry `msg` and `accountId`).
// Only the route's pattern is logged, never the path, query or headers: no key, token or signature reaches a log.

export const requestLog = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const started = now();
  await next();
  // The endpoint is the last matched route that is not middleware (`use` registers with method ALL).
  const endpoint = matchedRoutes(c).findLast((r) => r.method !== "ALL");
  const principal = c.get("principal") as Principal | undefined;
  console.log(
    JSON.stringify({
      msg: "request",
      requestId: c.get("requestId"),
      method: c.req.method,
      route: endpoint?.path ?? null,
      status: c.res.status,
      ms: now() - started,
      accountId: principal?.accountId ?? null,
    }),
  );
};
