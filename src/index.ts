import { Hono } from "hono";
import { admin } from "./accounts/admin";
import { refreshOpenAIDates } from "./providers/openai/shutdown-dates";
import { doc } from "./docs/registry";
import { reference } from "./docs/routes";
import type { AppEnv, Env } from "./env";
import { files } from "./files/route";
import { sweepUploads } from "./files/uploads";
import { ApiError } from "./lib/errors";
import { newId } from "./lib/ids";
import { now } from "./lib/clock";
import { requestLog } from "./lib/request-log";
import { leonardo } from "./surfaces/leonardo/routes";
import { account } from "./surfaces/native/account";
import { jobs } from "./surfaces/native/jobs";
import { native } from "./surfaces/native/routes";
import { uploads } from "./surfaces/native/uploads";
import { usage } from "./surfaces/native/usage";
import { openai } from "./surfaces/openai/routes";
import { renderProblem } from "./surfaces/native/problem";
import { playground } from "./ui/page";
import { hooks } from "./webhooks/inbound/routes";

// Wiring only: request ids, surfaces, error rendering, Durable Object exports.

const app = new Hono<AppEnv>();

app.use(async (c, next) => {
  const requestId = c.req.header("x-request-id")?.slice(0, 64) || newId("req");
  c.set("requestId", requestId);
  await next();
  c.res.headers.set("x-request-id", requestId);
});

app.use(requestLog());

app.get("/healthz", doc("health"), (c) => c.json({ ok: true }));
app.route("/v2/files", files);
app.route("/v2/uploads", uploads);
app.route("/v2", account);
app.route("/v2", usage);
app.route("/v2", native);
app.route("/v2", jobs);
app.route("/admin", admin);
app.route("/v1", openai);
app.route("/api/rest", leonardo);
app.route("/", reference);
app.route("/", playground);
app.route("/hooks", hooks);

app.notFound((c) => renderProblem(new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`), c));
app.onError(renderProblem);

/** The cron trigger (wrangler.toml): expired uploads are deleted; OpenAI's shutdown dates are read (once a day). */
const scheduled: ExportedHandlerScheduledHandler<Env> = async (_controller, env) => {
  const at = now();
  const [removed] = await Promise.all([sweepUploads(env.FILES, at), refreshOpenAIDates(env, at)]);
  console.log(JSON.stringify({ msg: "uploads swept", removed }));
};

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<Env>;
/** The Hono app itself, for tools that walk its routes (the OpenAPI coverage test). */
export { app };
export { AccountDO } from "./accounts/account-do";
export { JobDO } from "./jobs/job-do";
export { UpstreamDO } from "./jobs/upstream-do";
