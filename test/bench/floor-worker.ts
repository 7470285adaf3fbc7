import { DurableObject } from "cloudflare:workers";

// The floor: a bare Worker whose routes write or read one Durable Object row, the least any job API must do.
// It uses the same storage API as the JobDO (SQLite-backed, storage.put/get), so the ratio measures imagegate alone.
// For the sync figure it also passes a request through to the simulator and its answer back (the least a Worker in
// front of a provider adds), and, as the "durable pass-through", does the same while keeping the image in R2 and a
// row in a Durable Object (the least a gateway that keeps what it serves adds). For the ingest figure it also streams an image straight from a URL into R2 (one put, no hashing, no checks): what
// the runtime and its local R2 hold in memory for that, whatever the Worker on top does.
// Like imagegate, it writes one JSON line per request: locally each console.log line costs any Worker about 0.17 ms
// of latency (workerd writes it to a pipe that Miniflare reads in another process; measured on a bare Worker), a
// cost of the tooling that the floor must carry too. BENCH_FLOOR_LOG=0 (in the gateway's environment) turns it off.

interface FloorEnv {
  FLOOR: DurableObjectNamespace<Floor>;
  FILES: R2Bucket;
  LOG_REQUESTS?: string;
  /** The simulator's origin, for /proxy/…. */
  UPSTREAM?: string;
}

export class Floor extends DurableObject {
  async write(row: Record<string, unknown>): Promise<void> {
    await this.ctx.storage.put("row", row);
  }
  async read(): Promise<unknown> {
    return (await this.ctx.storage.get("row")) ?? null;
  }
}

const PART_BYTES = 8 * 1024 * 1024;

async function stagedPut(bucket: R2Bucket, key: string, bytes: Uint8Array, digest: Uint8Array): Promise<void> {
  const upload = await bucket.createMultipartUpload(`staging/${key}`);
  const parts: R2UploadedPart[] = [];
  for (let at = 0; at < bytes.length; at += PART_BYTES) parts.push(await upload.uploadPart(parts.length + 1, bytes.subarray(at, at + PART_BYTES)));
  await upload.complete(parts);
  const staged = await bucket.get(`staging/${key}`);
  if (!staged) throw new Error("staged upload vanished");
  const fixed = new FixedLengthStream(staged.size);
  await Promise.all([staged.body.pipeTo(fixed.writable), bucket.put(key, fixed.readable, { customMetadata: { sha256: digest.toHex() } })]);
  await bucket.delete(`staging/${key}`);
}

async function route(request: Request, env: FloorEnv, url: URL): Promise<Response> {
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
  if (url.pathname.startsWith("/durable/") && env.UPSTREAM) {
    // The durable pass-through: the call passed on, and before the answer goes back, the image's bytes put into R2
    // and one Durable Object row written (side by side): the least a gateway that keeps what it served must do.
    const upstream = await fetch(`${env.UPSTREAM}${url.pathname.slice("/durable".length)}`, { method: request.method, headers: request.headers, body: request.body });
    const text = await upstream.text();
    const image = (JSON.parse(text) as { data?: { b64_json?: string }[] }).data?.[0]?.b64_json;
    if (!upstream.ok || !image) return new Response(text, upstream);
    const id = crypto.randomUUID();
    const bytes = (Uint8Array as unknown as { fromBase64: (b64: string) => Uint8Array }).fromBase64(image);
    await Promise.all([
      env.FILES.put(`floor/${id}.png`, bytes),
      env.FLOOR.get(env.FLOOR.idFromName(id)).write({ id, byteSize: bytes.length, createdAt: Date.now() }),
    ]);
    return new Response(text, upstream);
  }
  if (url.pathname.startsWith("/decode/") && env.UPSTREAM) {
    // The runtime's own decoding of an answer: its base64 decoded by Uint8Array.fromBase64 and hashed by WebCrypto,
    // the least CPU a gateway that checks what it stores can spend on it (it holds the answer whole, which imagegate
    // must not: the reference for large images' CPU per MB, not their memory).
    const upstream = await fetch(`${env.UPSTREAM}${url.pathname.slice("/decode".length)}`, { method: request.method, headers: request.headers, body: request.body });
    const text = await upstream.text();
    const image = (JSON.parse(text) as { data?: { b64_json?: string }[] }).data?.[0]?.b64_json ?? "";
    const bytes = (Uint8Array as unknown as { fromBase64: (b64: string) => Uint8Array }).fromBase64(image);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    // ?store: and put into R2 (whose local implementation runs in the same workerd, so it costs CPU here).
    if (url.searchParams.has("store")) await env.FILES.put(`floor/${crypto.randomUUID()}.png`, bytes);
    // ?staged: and stored as the sha256 in R2 custom metadata (SPEC §8) obliges a streamed image to be: staged part by
    // part (8 MB, as imagegate's store.ts), read back and put in place with its metadata, the staging deleted.
    if (url.searchParams.has("staged")) await stagedPut(env.FILES, `floor/${crypto.randomUUID()}.png`, bytes, digest);
    return Response.json({ byteSize: bytes.length, sha256: [...digest].map((b) => b.toString(16).padStart(2, "0")).join("") });
  }
  if (url.pathname.startsWith("/proxy/") && env.UPSTREAM) {
    const upstream = await fetch(`${env.UPSTREAM}${url.pathname.slice("/proxy".length)}`, { method: request.method, headers: request.headers, body: request.body });
    return new Response(upstream.body, upstream);
  }
  if (request.method === "POST" && url.pathname === "/ingest") {
    const { from } = (await request.json()) as { from: string };
    const image = await fetch(from);
    const length = Number(image.headers.get("content-length"));
    if (!image.ok || !image.body || !Number.isFinite(length)) return new Response(`bad image: ${image.status}`, { status: 502 });
    const fixed = new FixedLengthStream(length);
    const [, put] = await Promise.all([image.body.pipeTo(fixed.writable), env.FILES.put(`floor/${crypto.randomUUID()}`, fixed.readable)]);
    return Response.json({ byteSize: put?.size ?? 0 });
  }
  return new Response("not found", { status: 404 });
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const started = Date.now();
    const url = new URL(request.url);
    const res = await route(request, env, url);
    if (env.LOG_REQUESTS !== "0") {
      const requestId = `req_${crypto.randomUUID()}`;
      console.log(JSON.stringify({ msg: "request", requestId, method: request.method, route: url.pathname, status: res.status, ms: Date.now() - started, accountId: null }));
    }
    return res;
  },
};
