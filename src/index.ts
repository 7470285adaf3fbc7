import { Hono } from "hono";
import { admin } from "./accounts/admin";
import type { AppEnv, Env } from "./env";
import { files } from "./files/route";
import { sweepUploads } from "./files/uploads";
import { ApiError } from "./lib/errors";
import { newId } from "./lib/ids";
import { now } from "./lib/clock";
import { leonardo } from "./surfaces/leonardo/routes";
import { account } from "./surfaces/native/account";
import { jobs } from "./surfaces/native/jobs";
import { native } from "./surfaces/native/routes";
import { uploads } from "./surfaces/native/uploads";
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
app.route("/v2/uploads", uploads);
app.route("/v2", account);
app.route("/v2", native);
app.route("/v2", jobs);
app.route("/admin", admin);
app.route("/v1", openai);
app.route("/api/rest", leonardo);

app.notFound((c) => renderProblem(new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`), c));
app.onError(renderProblem);

/** The cron trigger (wrangler.toml): expired uploads are deleted. */
const scheduled: ExportedHandlerScheduledHandler<Env> = async (_controller, env) => {
  const removed = await sweepUploads(env.FILES, now());
  console.log(JSON.stringify({ msg: "uploads swept", removed }));
};

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<Env>;
export { AccountDO } from "./accounts/account-do";
export { JobDO } from "./jobs/job-do";
