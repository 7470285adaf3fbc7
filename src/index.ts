import { Hono } from "hono";
import type { AppEnv } from "./env";
import { files } from "./files/route";
import { ApiError } from "./lib/errors";
import { newId } from "./lib/ids";
import { leonardo } from "./surfaces/leonardo/routes";
import { native } from "./surfaces/native/routes";
import { openai } from "./surfaces/openai/routes";
import { renderProblem } from "./surfaces/native/problem";

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
app.route("/v1", openai);
app.route("/api/rest", leonardo);

app.notFound((c) => renderProblem(new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`), c));
app.onError(renderProblem);

export default app;
export { JobDO } from "./jobs/job-do";
