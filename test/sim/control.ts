// The control interface under /_sim (any host). Every body is JSON; unknown keys are refused with 400.
//
// POST   /_sim/faults        {provider, fault, count?=1|null, retryAfter?, latencyMs?, match?} → 201 the fault (faults.ts)
// GET    /_sim/faults        active faults with `remaining` and `hits`
// DELETE /_sim/faults        all faults, and the config back to its defaults;  ?match=X only the faults with match X
// DELETE /_sim/faults/:id    one fault
// POST   /_sim/config        {latencyMs?, deliverCallbacks?, leonardo?: {callbackUrl|null, callbackToken?, apiKey?}}
// GET    /_sim/config
// GET    /_sim/calls         ?provider=&kind=api|image|upload&match= → [{provider, kind, method, path, idempotencyKey,
//                            at, status, jobId, prompt, fault, inputs, model}] in arrival order;  DELETE /_sim/calls[?match=]
//                            (inputs: the references a valid create named — Leonardo "TYPE:id", apiframe input_images
//                            URLs, OpenAI edit image types — else null; model: the `model` a create was sent, else null)
// GET    /_sim/:provider/models            (provider openai | leonardo) → [{id, shutdown_date, default_shutdown_date,
//                            scoped: [{match, shutdown_date}]}]
// POST   /_sim/:provider/models/:id        {shutdown_date: "YYYY-MM-DD" | null, match?} → 200 the model's entry. Without
//                            match: the date everyone sees (OpenAI's GET /v1/models too); with it: only creates whose
//                            prompt contains match. From that date (00:00 UTC) on, OpenAI answers 404 model_not_found and
//                            Leonardo 400. DELETE /_sim/:provider/models/:id[?match=] restores the default (lifecycle.ts)
// GET    /_sim/unexpected    ?match= (substring of the URL) → [{method, url, at}];  DELETE /_sim/unexpected[?match=]
// GET    /_sim/callbacks     ?provider=&match=&wait=ms → pending callbacks [{id, provider, event, url, headers, body,
//                            jobId, prompt}], removed as they are returned
// POST   /_sim/advance       {ms, match? | id?} ages matching jobs (or one job / upload) by ms
// POST   /_sim/reset         forgets everything, and restores the models' shutdown dates
import { Hono } from "hono";
import { z } from "zod";
import { faultInputSchema } from "./faults.ts";
import type { LifecycleProvider } from "./lifecycle.ts";
import { readJson, type SimEnv, type SimState } from "./state.ts";

const configSchema = z.strictObject({
  latencyMs: z.int().min(0).optional(),
  deliverCallbacks: z.boolean().optional(),
  /** Leonardo's callback is set per API key; without `apiKey` it applies to every key that has none of its own. */
  leonardo: z
    .strictObject({
      callbackUrl: z.url().nullable(),
      callbackToken: z.string().min(1).nullable().optional(),
      apiKey: z.string().min(1).optional(),
    })
    .optional(),
});

const advanceSchema = z
  .strictObject({ ms: z.int().min(0), match: z.string().min(1).optional(), id: z.string().min(1).optional() })
  .refine((v) => v.match !== undefined || v.id !== undefined, "give match (prompt substring) or id (job or upload id)");

const shutdownSchema = z.strictObject({
  shutdown_date: z.iso.date().nullable(),
  match: z.string().min(1).optional(),
});

const badRequest = (error: string, issues?: unknown) => Response.json({ error, issues }, { status: 400 });

async function parse<T>(request: Request, schema: z.ZodType<T>): Promise<{ value: T } | { error: Response }> {
  const json = await readJson(request);
  if (!json.ok) return { error: badRequest(`invalid JSON: ${json.error}`) };
  const r = schema.safeParse(json.value);
  return r.success ? { value: r.data } : { error: badRequest("invalid control request", r.error.issues) };
}

export function controlRoutes(state: SimState) {
  const app = new Hono<SimEnv>();

  const renderConfig = () => ({
    latencyMs: state.config.latencyMs,
    deliverCallbacks: state.config.deliverCallbacks,
    leonardo: { fallback: state.config.leonardo.fallback, byKey: Object.fromEntries(state.config.leonardo.byKey) },
  });

  app.post("/faults", async (c) => {
    const r = await parse(c.req.raw, faultInputSchema);
    if ("error" in r) return r.error;
    const fault = state.faults.add(r.value);
    return typeof fault === "string" ? badRequest(fault) : Response.json(fault, { status: 201 });
  });
  app.get("/faults", () => Response.json(state.faults.list()));
  /** Without ?match=, removes every fault and resets the config; with it, only the faults of that match. */
  app.delete("/faults", (c) => {
    const match = c.req.query("match");
    const removed = state.faults.clear(match);
    if (match === undefined) state.resetConfig();
    return Response.json({ removed });
  });
  app.delete("/faults/:id", (c) => Response.json({ removed: state.faults.remove(c.req.param("id")) ? 1 : 0 }));

  app.get("/config", () => Response.json(renderConfig()));
  app.post("/config", async (c) => {
    const r = await parse(c.req.raw, configSchema);
    if ("error" in r) return r.error;
    const { latencyMs, deliverCallbacks, leonardo } = r.value;
    if (latencyMs !== undefined) state.config.latencyMs = latencyMs;
    if (deliverCallbacks !== undefined) state.config.deliverCallbacks = deliverCallbacks;
    if (leonardo !== undefined) {
      const hook = leonardo.callbackUrl === null ? null : { callbackUrl: leonardo.callbackUrl, callbackToken: leonardo.callbackToken ?? null };
      if (leonardo.apiKey !== undefined) state.config.leonardo.byKey.set(leonardo.apiKey, hook);
      else state.config.leonardo.fallback = hook;
    }
    return Response.json(renderConfig());
  });

  app.get("/calls", (c) => {
    const { provider, match, kind } = c.req.query();
    return Response.json(
      state.calls.filter(
        (call) =>
          (provider === undefined || call.provider === provider) &&
          (kind === undefined || call.kind === kind) &&
          (match === undefined || (call.prompt ?? "").includes(match)),
      ),
    );
  });
  app.delete("/calls", (c) => {
    const match = c.req.query("match");
    const before = state.calls.length;
    const kept = match === undefined ? [] : state.calls.filter((call) => !(call.prompt ?? "").includes(match));
    state.calls.splice(0, state.calls.length, ...kept);
    return Response.json({ removed: before - kept.length });
  });

  app.get("/unexpected", (c) => {
    const match = c.req.query("match");
    return Response.json(state.unexpected.filter((u) => match === undefined || u.url.includes(match)));
  });
  app.delete("/unexpected", (c) => {
    const match = c.req.query("match");
    const before = state.unexpected.length;
    const kept = match === undefined ? [] : state.unexpected.filter((u) => !u.url.includes(match));
    state.unexpected.splice(0, state.unexpected.length, ...kept);
    return Response.json({ removed: before - kept.length });
  });

  /** Pending callbacks (removed as they are returned); ?wait=ms long-polls (≤ 10 s) until at least one is there. */
  app.get("/callbacks", async (c) => {
    const { provider, match, wait } = c.req.query();
    const waitMs = Math.min(10_000, Math.max(0, Number(wait ?? 0) || 0));
    return Response.json(await state.takeCallbacks({ provider, match }, waitMs));
  });

  /** Ages jobs (by prompt substring or id) and uploads (by id) by `ms`, as if that much time had passed for them. */
  app.post("/advance", async (c) => {
    const r = await parse(c.req.raw, advanceSchema);
    if ("error" in r) return r.error;
    const advanced = state.advancers.reduce((n, advance) => n + advance(r.value.ms, r.value.match, r.value.id), 0);
    await state.sweep();
    return Response.json({ advanced });
  });

  /** The provider and model a models route names, or the 404 for an unknown one. */
  const modelRoute = (provider: string, id: string): { provider: LifecycleProvider; id: string } | Response =>
    (provider === "openai" || provider === "leonardo") && state.models.has(provider, id)
      ? { provider, id }
      : Response.json({ error: `no model ${id} at ${provider}` }, { status: 404 });
  const modelEntry = (provider: LifecycleProvider, id: string) => state.models.view(provider).find((m) => m.id === id);

  app.get("/:provider/models", (c) => {
    const provider = c.req.param("provider");
    if (provider !== "openai" && provider !== "leonardo") return Response.json({ error: `no models at ${provider}` }, { status: 404 });
    return Response.json(state.models.view(provider));
  });
  app.post("/:provider/models/:id{.+}", async (c) => {
    const route = modelRoute(c.req.param("provider"), c.req.param("id"));
    if (route instanceof Response) return route;
    const r = await parse(c.req.raw, shutdownSchema);
    if ("error" in r) return r.error;
    state.models.set(route.provider, route.id, r.value.shutdown_date, r.value.match);
    return Response.json(modelEntry(route.provider, route.id));
  });
  app.delete("/:provider/models/:id{.+}", (c) => {
    const route = modelRoute(c.req.param("provider"), c.req.param("id"));
    if (route instanceof Response) return route;
    state.models.restore(route.provider, route.id, c.req.query("match"));
    return Response.json(modelEntry(route.provider, route.id));
  });

  /** Forgets everything: jobs, uploads, faults, config, calls, unexpected calls, callbacks, changed shutdown dates. */
  app.post("/reset", () => {
    state.reset();
    return Response.json({ reset: true });
  });

  return app;
}
