// npm run bench:streams: workerd CPU per MB of imagegate's stream readers, each in a bare Worker
// (test/bench/streams-worker.ts) beside the runtime doing the same work on the bytes held whole, in one workerd:
// the base64 scan of an OpenAI answer, a multipart form's file, a capped body, and base64Of (a stored image for the
// OpenAI surface's answer). STREAMS_MB (default 16) sets the image's size, CPU_ROUNDS the rounds (default 3), and
// STREAMS_REV=<git rev> adds that revision's readers beside the working tree's; a ratio near 1 means the reader costs
// little beyond the bytes. No job, Durable Object or R2 staging is involved: for those, `npm run bench` (bigimage).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { buildDir } from "../harness/gateway.ts";
import { paddedPng, renderPng } from "../sim/images.ts";
import { cpuMs, workerdChildOf } from "./memory.ts";
import { ratio, round } from "./stats.ts";

const wranglerRequire = createRequire(createRequire(import.meta.url).resolve("wrangler"));
const { Miniflare, convertV4MiniflareOptions } = wranglerRequire("miniflare") as typeof import("miniflare");

const MB = Number(process.env.STREAMS_MB ?? 16);
const ROUNDS = Number(process.env.CPU_ROUNDS ?? 3);
const BATCH = 3;

async function bytesOf(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The readers' Worker built from the working tree, or (STREAMS_REV) with the readers of a git revision. */
async function buildReaders(rev?: string): Promise<string> {
  const outfile = join(resolve(buildDir("streams")), "index.js");
  let root = ".";
  if (rev) {
    root = mkdtempSync(join(tmpdir(), "imagegate-streams-"));
    execFileSync("sh", ["-c", `git archive "$1" src | tar -x -C "$2"`, "sh", rev, root]);
    mkdirSync(join(root, "test/bench"), { recursive: true });
    copyFileSync("test/bench/streams-worker.ts", join(root, "test/bench/streams-worker.ts"));
    symlinkSync(resolve("node_modules"), join(root, "node_modules"));
  }
  await build({ entryPoints: [join(root, "test/bench/streams-worker.ts")], bundle: true, minify: true, format: "esm", external: ["cloudflare:*", "node:*"], outfile });
  if (rev) rmSync(root, { recursive: true, force: true });
  return outfile;
}

const REV = process.env.STREAMS_REV;
const { compatibilityDate, compatibilityFlags } = unstable_getMiniflareWorkerOptions("wrangler.toml").workerOptions;
const worker = async (name: string, rev?: string) => ({
  name,
  modules: true,
  scriptPath: await buildReaders(rev),
  compatibilityDate,
  compatibilityFlags,
  r2Buckets: { FILES: { id: "streams" } },
  unsafeDirectSockets: [{ port: 0 }],
});
const workers = [await worker("tree"), ...(REV ? [await worker("rev", REV)] : [])];
const mf = new Miniflare(convertV4MiniflareOptions({ workers } as Parameters<typeof convertV4MiniflareOptions>[0]));
await mf.ready;
const urls = { tree: await mf.unsafeGetDirectURL("tree"), rev: REV ? await mf.unsafeGetDirectURL("rev") : null };
const workerd = workerdChildOf(process.pid);

try {
  const png = await bytesOf(paddedPng(await renderPng(64, 64, "streams"), MB * 1024 * 1024).body);
  const answer = new TextEncoder().encode(JSON.stringify({ created: 1, data: [{ b64_json: Buffer.from(png).toString("base64") }] }));
  const boundary = "imagegatebench";
  const form = new Uint8Array(
    await new Blob([
      `--${boundary}\r\nContent-Disposition: form-data; name="prompt"\r\n\r\na lighthouse\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`,
      png,
      `\r\n--${boundary}--\r\n`,
    ]).arrayBuffer(),
  );
  const post = (base: URL, path: string, body: Uint8Array, type = "application/octet-stream") => async (): Promise<void> => {
    const res = await fetch(new URL(path, base), { method: "POST", body, headers: { "content-type": type } });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 300)}`);
  };
  // Both builds share the bucket: one put serves both.
  await post(urls.tree, "/put", png)();
  const formType = `multipart/form-data; boundary=${boundary}`;
  const figures: [string, string, Uint8Array, string, Uint8Array, string?][] = [
    ["b64-stream scan of an OpenAI answer", "/scan", answer, "/ref-answer", answer],
    ["multipart form, its file hashed", "/multipart", form, "/ref-bytes", png, formType],
    ["capped body, read as store.ts reads", "/capped", png, "/ref-bytes", png],
    ["base64Of a stored image", "/base64", new Uint8Array(), "/ref-base64", new Uint8Array()],
  ];
  console.log(
    `bench:streams  workerd CPU per MB of a ${MB} MB image (${ROUNDS} rounds of ${BATCH} calls, taking turns): each reader ` +
      `beside the runtime on the bytes held whole${REV ? `, and beside the readers of ${REV}` : ""}`,
  );
  for (const [name, path, body, refPath, refBody, type] of figures) {
    const calls = [post(urls.tree, path, body, type), post(urls.tree, refPath, refBody), ...(urls.rev ? [post(urls.rev, path, body, type)] : [])];
    for (const call of calls) await call();
    const used = calls.map(() => 0);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [k, call] of calls.entries()) {
        const before = cpuMs(workerd);
        for (let i = 0; i < BATCH; i++) await call();
        used[k]! += cpuMs(workerd) - before;
      }
    }
    const [ms, ref, old] = used.map((u) => u / (ROUNDS * BATCH) / MB) as [number, number, number | undefined];
    const then = old === undefined ? "" : `; ${REV}: ${round(old, 2)} ms/MB (${ratio(old, ref)}x), now/then ${ratio(ms, old)}`;
    console.log(`${name.padEnd(38)} ${round(ms, 2)} ms/MB, ${ratio(ms, ref)}x the runtime's ${round(ref, 2)}${then}`);
  }
} finally {
  await mf.dispose();
}
