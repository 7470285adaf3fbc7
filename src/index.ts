import { Hono } from "./lib/hono-app";
import { adminRoutes } from "./surfaces/admin/routes";
import { refreshOpenAIDates } from "./providers/openai/shutdown-dates";
import { doc } from "./docs/registry";
import { docsRoutes } from "./docs/routes";
import type { AppEnv, Env } from "./env";
import { fileRoutes } from "./surfaces/native/files";
import { sweepUploads } from "./files/uploads";
import { ApiError } from "./lib/errors";
import { newId } from "./lib/ids";
import { now } from "./lib/clock";
import { requestLog } from "./lib/request-log";
import { leonardoRoutes } from "./surfaces/leonardo/routes";
import { accountRoutes } from "./surfaces/native/account";
import { jobRoutes } from "./surfaces/native/jobs";
import { nativeRoutes } from "./surfaces/native/routes";
import { uploadRoutes } from "./surfaces/native/uploads";
import { usageRoutes } from "./surfaces/native/usage";
import { openaiRoutes } from "./surfaces/openai/routes";
import { renderProblem } from "./lib/problem";
import { playgroundRoutes } from "./ui/page";
import { hookRoutes } from "./surfaces/hooks/routes";

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
app.route("/v2/files", fileRoutes);
app.route("/v2/uploads", uploadRoutes);
app.route("/v2", accountRoutes);
app.route("/v2", usageRoutes);
app.route("/v2", nativeRoutes);
app.route("/v2", jobRoutes);
app.route("/admin", adminRoutes);
app.route("/v1", openaiRoutes);
app.route("/api/rest", leonardoRoutes);
app.route("/", docsRoutes);
app.route("/", playgroundRoutes);
app.route("/hooks", hookRoutes);

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
export { ProviderHealthDO } from "./jobs/provider-health-do";
