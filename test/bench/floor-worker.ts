import { DurableObject } from "cloudflare:workers";

// The floor: a bare Worker whose routes write or read one Durable Object row, the least any job API must do.
// It uses the same storage API as the JobDO (SQLite-backed, storage.put/get), so the ratio measures imagegate alone.

interface FloorEnv {
  FLOOR: DurableObjectNamespace<Floor>;
}

export class Floor extends DurableObject {
  async write(row: Record<string, unknown>): Promise<void> {
    await this.ctx.storage.put("row", row);
  }
  async read(): Promise<unknown> {
    return (await this.ctx.storage.get("row")) ?? null;
  }
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/write") {
      const id = crypto.randomUUID();
      const body = (await request.json()) as Record<string, unknown>;
      await env.FLOOR.get(env.FLOOR.idFromName(id)).write({ ...body, id, createdAt: Date.now() });
      return Response.json({ id, status: "QUEUED" }, { status: 202 });
    }
    if (request.method === "GET" && url.pathname.startsWith("/read/")) {
      const id = url.pathname.slice("/read/".length);
      return Response.json(await env.FLOOR.get(env.FLOOR.idFromName(id)).read());
    }
    return new Response("not found", { status: 404 });
  },
};
