// A webhook receiver for the tests: every request to https://hooks.test/<name> is recorded and answered with the next
// status programmed for <name> (200 once the program runs out).
//
// POST   /_sim/receiver/<name>   {statuses?: number[], delayMs?: number, location?: string} → programs the answers
//                                (replacing any earlier program); `delayMs` holds every answer; a 3xx carries
//                                `Location: location` (default https://hooks.test/<name>-redirected)
// GET    /_sim/receiver/<name>   → {received: [{method, path, headers, body, at, status}]} in arrival order; `body` is
//                                the raw body, byte for byte, so signatures can be checked over it
// DELETE /_sim/receiver/<name>   forgets the receiver
import { Hono } from "hono";
import { z } from "zod";
import { readJson, type SimEnv, type SimState } from "./state.ts";

export const RECEIVER_HOST = "hooks.test";
/** The simulator's own path prefix for requests to RECEIVER_HOST. */
export const RECEIVER_PREFIX = "/_hooks";

export type ReceivedRequest = { method: string; path: string; headers: Record<string, string>; body: string; at: number; status: number };

const programSchema = z.strictObject({
  statuses: z.array(z.int().min(200).max(599)).optional(),
  delayMs: z.int().min(0).max(60_000).optional(),
  location: z.url().optional(),
});

type Receiver = { statuses: number[]; delayMs: number; location: string | null; received: ReceivedRequest[] };

export function receiverRoutes(state: SimState) {
  const receivers = new Map<string, Receiver>();
  state.resetters.push(() => receivers.clear());
  const receiverOf = (name: string): Receiver => {
    let r = receivers.get(name);
    if (!r) receivers.set(name, (r = { statuses: [], delayMs: 0, location: null, received: [] }));
    return r;
  };

  const app = new Hono<SimEnv>();

  app.post("/_sim/receiver/:name", async (c) => {
    const json = await readJson(c.req.raw);
    const parsed = json.ok ? programSchema.safeParse(json.value) : null;
    if (!parsed?.success) return Response.json({ error: "invalid receiver program", issues: parsed?.error.issues }, { status: 400 });
    const r = receiverOf(c.req.param("name"));
    r.statuses = [...(parsed.data.statuses ?? [])];
    r.delayMs = parsed.data.delayMs ?? 0;
    r.location = parsed.data.location ?? null;
    return Response.json({ name: c.req.param("name"), statuses: r.statuses, delayMs: r.delayMs });
  });
  app.get("/_sim/receiver/:name", (c) => Response.json({ received: receivers.get(c.req.param("name"))?.received ?? [] }));
  app.delete("/_sim/receiver/:name", (c) => Response.json({ removed: receivers.delete(c.req.param("name")) ? 1 : 0 }));

  app.all(`${RECEIVER_PREFIX}/:name`, async (c) => {
    const name = c.req.param("name");
    const r = receiverOf(name);
    const status = r.statuses.shift() ?? 200;
    r.received.push({
      method: c.req.method,
      path: `/${name}`,
      headers: Object.fromEntries(c.req.raw.headers),
      body: await c.req.text(),
      at: Date.now(),
      status,
    });
    if (r.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
    const headers = status >= 300 && status < 400 ? { location: r.location ?? `https://${RECEIVER_HOST}/${name}-redirected` } : undefined;
    return new Response(status === 204 || status === 304 ? null : JSON.stringify({ received: true }), { status, headers });
  });

  return app;
}
