import { Hono } from "hono";
import type { AppEnv } from "./env";
import { files } from "./files/route";
import { ApiError } from "./lib/errors";
import { newId } from "./lib/ids";
import { native } from "./surfaces/native/routes";
import { renderProblem } from "./surfaces/native/problem";
import { hooks } from "./webhooks/inbound/routes";

// Wiring only: request ids, surfaces, error rendering, Durable Object exports.

const app = new Hono<AppEnv>();

app.use(async (c, next) => {
  const requestId = c.req.header("x-request-id")?.slice(0, 64) || newId("req");
  c.set("requestId", requestId);
  await next();
  c.res.headers.set("x-request-id", requestId);
});

app.get("/healthz", (c) => c.json({ ok: true }));
app.route("/v2/files", files);
app.route("/v2", native);
app.route("/hooks", hooks);

app.notFound((c) => renderProblem(new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`), c));
app.onError(renderProblem);

export default app;
export { JobDO } from "./jobs/job-do";
export { UpstreamDO } from "./jobs/upstream-do";
