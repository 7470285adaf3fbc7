import { Hono } from "hono";
import * as z from "zod";
import { doc } from "./docs/registry";
import { reference } from "./docs/routes";
import type { AppEnv } from "./env";
import { files } from "./files/route";
import { ApiError } from "./lib/errors";
import { newId } from "./lib/ids";
import { requestLog } from "./lib/request-log";
import { native } from "./surfaces/native/routes";
import { renderProblem } from "./surfaces/native/problem";
import { playground } from "./ui/page";

// Wiring only: request ids, surfaces, error rendering, Durable Object exports.

const app = new Hono<AppEnv>();

app.use(async (c, next) => {
  const requestId = c.req.header("x-request-id")?.slice(0, 64) || newId("req");
  c.set("requestId", requestId);
  await next();
  c.res.headers.set("x-request-id", requestId);
});

app.use(requestLog());

const healthDoc = doc({
  operationId: "health",
  summary: "Liveness",
  tag: "Operations",
  auth: "none",
  responses: { 200: { description: "The Worker answers.", schema: z.object({ ok: z.literal(true) }), example: { ok: true } } },
});
app.get("/healthz", healthDoc, (c) => c.json({ ok: true }));
app.route("/v2/files", files);
app.route("/v2", native);
app.route("/", reference(app));
app.route("/", playground);

app.notFound((c) => renderProblem(new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`), c));
app.onError(renderProblem);

export default app;
export { JobDO } from "./jobs/job-do";
