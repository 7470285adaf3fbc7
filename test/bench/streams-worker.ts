import { limitBytes } from "../../src/lib/capped-body";
import { ByteReader, type Bytes } from "../../src/lib/streams/byte-reader";
import { readParts } from "../../src/lib/streams/multipart";
import { scanImagesAnswer } from "../../src/providers/openai/b64-stream";
import { base64Of } from "../../src/surfaces/openai/images-body";

// imagegate's stream readers alone, in a bare Worker, each beside the runtime doing the same work on the bytes held
// whole (test/bench/streams.ts drives it): what each costs per MB on top of the bytes themselves. Every route hashes
// (or, for base64Of, encodes) what it reads, so that no route can skip the bytes. Bodies are request bodies: a native
// byte stream, in the 4 KB chunks a fetch or R2 body comes in too.

interface StreamsEnv {
  FILES: R2Bucket;
}

const PART = 8 * 1024 * 1024;
const hashOf = async (stream: ReadableStream<Uint8Array>): Promise<number> => {
  const digest = new crypto.DigestStream("SHA-256");
  await stream.pipeTo(digest);
  return (await digest.digest).byteLength;
};

const routes: Record<string, (request: Request, env: StreamsEnv) => Promise<number>> = {
  /** An OpenAI answer decoded whole by the runtime (what b64-stream.ts must come close to, without holding it). */
  "/ref-answer": async (request) => {
    const answer = JSON.parse(await request.text()) as { data: { b64_json: string }[] };
    return (await crypto.subtle.digest("SHA-256", Uint8Array.fromBase64(answer.data[0]!.b64_json))).byteLength;
  },
  "/scan": async (request) => {
    let n = 0;
    await scanImagesAnswer(request.body!, async (_index, bytes) => void (n += await hashOf(bytes)));
    return n;
  },
  /** Bytes hashed whole: the reference for the readers of raw bytes below. */
  "/ref-bytes": async (request) => (await crypto.subtle.digest("SHA-256", await request.arrayBuffer())).byteLength,
  /** A capped body read as store.ts reads one: into a part-sized buffer, each read hashed. */
  "/capped": async (request) => {
    const reader = new ByteReader(limitBytes(request.body!, 1 << 30));
    const digest = new crypto.DigestStream("SHA-256");
    const writer = digest.getWriter();
    let buffer: Bytes = new Uint8Array(PART);
    for (;;) {
      const read = await reader.read(buffer);
      if (read.length === 0) break;
      await writer.write(read);
      buffer = new Uint8Array(read.buffer);
    }
    await writer.close();
    return (await digest.digest).byteLength;
  },
  "/multipart": async (request) => {
    const boundary = request.headers.get("content-type")!.split("boundary=")[1]!;
    let n = 0;
    for await (const part of readParts(request.body!, boundary, { maxParts: 4, maxHeaderBytes: 1024, maxFieldBytes: 1024, maxTotalBytes: 1 << 30 })) {
      n += await hashOf(part.body);
    }
    return n;
  },
  "/put": async (request, env) => (await env.FILES.put("big", request.body, { httpMetadata: {} }))!.size,
  /** The stored image base64'd whole by the runtime: the reference for base64Of. */
  "/ref-base64": async (_request, env) => (await (await env.FILES.get("big"))!.bytes()).toBase64().length,
  "/base64": async (_request, env) => {
    let n = 0;
    for await (const piece of base64Of((await env.FILES.get("big"))!.body)) n += piece.length;
    return n;
  },
};

export default {
  async fetch(request: Request, env: StreamsEnv): Promise<Response> {
    const route = routes[new URL(request.url).pathname];
    if (!route) return new Response("not found", { status: 404 });
    return new Response(String(await route(request, env)));
  },
};
