// `npm run bench:memory`: how much memory one request of each body-taking route costs, with the worst body the route
// accepts (or the worst shape of one it must refuse), and four such requests at once. For each case a fresh gateway
// (workerd in its own process, test/harness) takes a small request of the same kind first, so that code is compiled
// and pools are warm, then the worst one while the workerd process's RSS and the Worker isolate's V8 heap plus
// ArrayBuffer backing stores (through the inspector) are sampled; growth is peak minus the figure just before. Then the
// same request again, with the isolate's garbage collected before each sample: what the request holds alive, which is
// what the isolate's memory limit applies to (the first figure also counts garbage V8 has not yet collected).
// Goals (issue 16), judged on what is alive (MEMORY_LIVE=1): under 32 MB per request, under 100 MB for four at once.
// MEMORY_ONLY=<text> measures only the cases whose name contains it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { activeModels, qualitiesByPrice, servedBy, type LiveModel } from "../harness/catalogue.ts";
import { buildBundle, spawnGateway } from "../harness/gateway.ts";
import { startSimulator } from "../harness/simulator.ts";
import { inspectorSession, isolateBytes } from "./inspector.ts";
import { rssBytes, sampleWhile } from "./memory.ts";
import { BENCH_KEY, benchVars } from "./setup.ts";

const MB = 1024 * 1024;
const UPLOAD_BYTES = 25 * MB;
const EDIT_BYTES = 32 * MB;
const JSON_BYTES = 1 * MB;
const GOAL_ONE_MB = 32;
const GOAL_FOUR_MB = 100;
const mib = (bytes: number): number => Math.round((bytes / MB) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const debug = (line: string) => process.env.BENCH_DEBUG && console.error(line);
const authed = { authorization: `Bearer ${BENCH_KEY}` };

/** The smallest valid PNG header (8×8), padded with noise to `size` bytes: stored as a PNG of 8×8 (sniffed by its head). */
function pngOf(size: number): Uint8Array {
  const head = Buffer.from(
    "89504e470d0a1a0a0000000d49484452000000080000000808020000004b6d29dc0000001649444154789c63f8ffff3f030c30fcff0f0a60183000b4a83ef37e0e2c1f0000000049454e44ae426082",
    "hex",
  );
  const bytes = new Uint8Array(size);
  bytes.set(head);
  let x = 1;
  for (let i = head.length; i < size; i += 4) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

/** A multipart body, encoded once in Node (not in workerd), with its content type. */
async function multipart(parts: [string, string | { bytes: Uint8Array; name: string; type: string }][]): Promise<{ body: Uint8Array; type: string }> {
  const form = new FormData();
  for (const [name, value] of parts) form.append(name, typeof value === "string" ? value : new File([value.bytes], value.name, { type: value.type }));
  const res = new Response(form);
  return { body: new Uint8Array(await res.arrayBuffer()), type: res.headers.get("content-type")! };
}

/** The JSON shapes a 1 MB body can take that cost a parser the most: deep nesting and many members. */
function worstJson(fields: Record<string, unknown>): Record<string, string> {
  const head = JSON.stringify(fields).slice(0, -1);
  const depth = (JSON_BYTES - head.length - 16) / 2;
  const deep = `${head},"x":${"[".repeat(depth)}${"]".repeat(depth)}}`;
  const count = Math.floor((JSON_BYTES - head.length - 16) / 3);
  const many = `${head},"x":[${"{},".repeat(count - 1)}{}]}`;
  return { "deep nesting": deep, "many members": many };
}

interface Case {
  name: string;
  /** Sends one request (its body made beforehand); resolves with the status once the answer is read. */
  send: () => Promise<number>;
  /** A small request of the same kind, sent first. */
  warm: () => Promise<number>;
  requests: number;
  goal: number | null;
}

const sendBody = (base: URL, path: string, body: Uint8Array | string, type: string, key = true) => async (): Promise<number> => {
  const res = await fetch(new URL(path, base), { method: "POST", headers: { "content-type": type, ...(key ? authed : {}) }, body });
  await res.arrayBuffer();
  return res.status;
};

async function leonardoForm(base: URL, file: Uint8Array): Promise<{ body: Uint8Array; type: string }> {
  const init = await fetch(new URL("/api/rest/v1/init-image", base), { method: "POST", headers: { "content-type": "application/json", ...authed }, body: JSON.stringify({ extension: "png" }) });
  const fields = JSON.parse(((await init.json()) as { uploadInitImage: { fields: string } }).uploadInitImage.fields) as Record<string, string>;
  return multipart([...Object.entries(fields), ["file", { bytes: file, name: "x.png", type: "image/png" }]]);
}

/** The cases, each built against a running gateway (the Leonardo upload needs fresh fields from it). */
async function casesFor(base: URL, model: LiveModel): Promise<Case[]> {
  const quality = qualitiesByPrice(model)[0]!;
  const one = (name: string, send: Case["send"], warm: Case["warm"]): Case => ({ name, send, warm, requests: 1, goal: GOAL_ONE_MB });
  const upload = async (size: number) => multipart([["file", { bytes: pngOf(size), name: "big.png", type: "image/png" }]]);
  const big = await upload(UPLOAD_BYTES);
  const small = await upload(64 * 1024);
  const files = model.references.max;
  // As many files as the model takes, filling the edit's 32 MB (less the framing).
  const perFile = Math.floor((EDIT_BYTES - 64 * 1024) / files);
  const editFields: [string, string][] = [["model", model.id], ["prompt", "memory bench edit"], ["quality", quality]];
  const formEdit = await multipart([...editFields, ...Array.from({ length: files }, (_, i): [string, { bytes: Uint8Array; name: string; type: string }] => ["image[]", { bytes: pngOf(perFile), name: `${i}.png`, type: "image/png" }])]);
  const smallEdit = await multipart([...editFields, ["image[]", { bytes: pngOf(64 * 1024), name: "s.png", type: "image/png" }]]);
  // data: URLs of as many images as fit in 32 MB of JSON.
  const perUrl = Math.floor(((EDIT_BYTES - 4096) / files - 32) * 3 / 4 / 3) * 3;
  const dataUrl = `data:image/png;base64,${Buffer.from(pngOf(perUrl)).toString("base64")}`;
  const jsonEdit = JSON.stringify({ model: model.id, prompt: "memory bench edit", quality, images: Array.from({ length: files }, () => ({ image_url: dataUrl })) });
  // One data: URL as large as the edit's 32 MB allow: one image of about 24 MB.
  const oneUrl = `data:image/png;base64,${Buffer.from(pngOf(Math.floor((EDIT_BYTES - 4096) * 3 / 4 / 3) * 3)).toString("base64")}`;
  const oneUrlEdit = JSON.stringify({ model: model.id, prompt: "memory bench edit", quality, images: [{ image_url: oneUrl }] });
  const smallJsonEdit = JSON.stringify({ model: model.id, prompt: "warm", quality, images: [{ image_url: `data:image/png;base64,${Buffer.from(pngOf(3000)).toString("base64")}` }] });
  const fourUploads = await Promise.all([0, 1, 2, 3].map(() => upload(UPLOAD_BYTES)));
  const cases: Case[] = [
    one(`/v2/uploads ${mib(big.body.length)} MB`, sendBody(base, "/v2/uploads", big.body, big.type), sendBody(base, "/v2/uploads", small.body, small.type)),
    one(`Leonardo upload ${mib(UPLOAD_BYTES)} MB`, async () => {
      const form = await leonardoForm(base, pngOf(UPLOAD_BYTES));
      return sendBody(base, "/api/rest/v1/init-image/upload", form.body, form.type, false)();
    }, async () => {
      const form = await leonardoForm(base, pngOf(64 * 1024));
      return sendBody(base, "/api/rest/v1/init-image/upload", form.body, form.type, false)();
    }),
    one(`/v1 edits multipart ${files} files, ${mib(formEdit.body.length)} MB`, sendBody(base, "/v1/images/edits", formEdit.body, formEdit.type), sendBody(base, "/v1/images/edits", smallEdit.body, smallEdit.type)),
    one(`/v1 edits JSON ${files} data: URLs, ${mib(jsonEdit.length)} MB`, sendBody(base, "/v1/images/edits", jsonEdit, "application/json"), sendBody(base, "/v1/images/edits", smallJsonEdit, "application/json")),
    one(`/v1 edits JSON 1 data: URL, ${mib(oneUrlEdit.length)} MB`, sendBody(base, "/v1/images/edits", oneUrlEdit, "application/json"), sendBody(base, "/v1/images/edits", smallJsonEdit, "application/json")),
  ];
  const creates: [string, string, Record<string, unknown>][] = [
    ["/v2/images/generate", "/v2/images/generate", { model: model.id, prompt: "memory bench" }],
    ["/api/rest generations", "/api/rest/v2/generations", { prompt: "memory bench", width: 1024, height: 1024 }],
    ["/v1 generations", "/v1/images/generations", { model: model.id, prompt: "memory bench", quality }],
  ];
  for (const [label, path, fields] of creates) {
    for (const [shape, body] of Object.entries(worstJson(fields))) {
      cases.push(one(`${label} 1 MB, ${shape}`, sendBody(base, path, body, "application/json"), sendBody(base, path, JSON.stringify({ ...fields, x: [[{}]] }), "application/json")));
    }
  }
  cases.push({
    name: `4 × /v2/uploads ${mib(UPLOAD_BYTES)} MB at once`,
    send: async () => Math.max(...(await Promise.all(fourUploads.map((u) => sendBody(base, "/v2/uploads", u.body, u.type)())))),
    warm: sendBody(base, "/v2/uploads", small.body, small.type),
    requests: 4,
    goal: GOAL_FOUR_MB,
  });
  cases.push({
    name: `4 × /v1 edits multipart ${files} files at once`,
    send: async () => Math.max(...(await Promise.all([0, 1, 2, 3].map(() => sendBody(base, "/v1/images/edits", formEdit.body, formEdit.type)())))),
    warm: sendBody(base, "/v1/images/edits", smallEdit.body, smallEdit.type),
    requests: 4,
    goal: GOAL_FOUR_MB,
  });
  return cases;
}

interface Row {
  name: string;
  status: number;
  rssGrowthMiB: number;
  heapGrowthMiB: number;
  /** The same, sampled with the isolate's garbage collected first (MEMORY_LIVE=1; NaN otherwise): what it holds alive. */
  liveGrowthMiB: number;
  /** The local R2 implementation's isolate (Miniflare's R2 runs as JavaScript in the same workerd). */
  r2HeapGrowthMiB: number;
  goal: number | null;
}

/** Serves `bytes` with a content length, for the floor to fetch. */
async function serve(bytes: Uint8Array): Promise<{ url: string; close: () => void }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "image/png", "content-length": String(bytes.length) });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/big.png`, close: () => server.close() };
}

async function measure(bundleDir: string, simUrl: string, pick: (cases: Case[], floor: URL | null) => Promise<Case>, floorOnly = false): Promise<Row> {
  const vars = { ...benchVars(simUrl), RATE_LIMIT_PER_MINUTE: "100000" };
  const gw = await spawnGateway({ vars, inspect: true, floorOnly }, bundleDir);
  const worker = await inspectorSession(gw.inspectorUrl!, floorOnly ? "core:user:floor" : "core:user:imagegate");
  const r2 = await inspectorSession(gw.inspectorUrl!, "r2:bucket");
  try {
    const c = await pick(floorOnly ? [] : await casesFor(gw.url, servedBy(await activeModels(gw.url), "openai")), gw.floorUrl);
    debug(`${c.name}: warming`);
    await c.warm();
    debug(`${c.name}: warm`);
    await sleep(300);
    const [rss0, heap0, r20] = [rssBytes(gw.workerdPid), await isolateBytes(worker), await isolateBytes(r2)];
    const running = c.send();
    const [rss, heap, r2Heap] = await Promise.all([
      sampleWhile(() => rssBytes(gw.workerdPid), 10, running),
      sampleWhile(() => isolateBytes(worker), 20, running),
      sampleWhile(() => isolateBytes(r2), 20, running),
    ]);
    const growth = (samples: number[], from: number) => mib(Math.max(...samples) - from);
    // MEMORY_LIVE=1: the same request again, the isolate's garbage collected before each sample: what it holds alive,
    // which is what its memory limit applies to (V8 collects garbage before it gives up); the first figure counts
    // garbage too. Opt-in: on a case whose request ends at once (the 1 MB creates), the run was seen to hang there.
    let liveGrowthMiB = Number.NaN;
    if (process.env.MEMORY_LIVE === "1") {
      await sleep(300);
      const live = async () => {
        await worker.send("HeapProfiler.collectGarbage");
        return isolateBytes(worker);
      };
      const live0 = await live();
      const again = await sampleWhile(live, 20, c.send());
      liveGrowthMiB = growth(again.samples, live0);
    }
    return {
      name: c.name,
      status: rss.result,
      rssGrowthMiB: growth(rss.samples, rss0),
      heapGrowthMiB: growth(heap.samples, heap0),
      liveGrowthMiB,
      r2HeapGrowthMiB: growth(r2Heap.samples, r20),
      goal: c.goal,
    };
  } finally {
    worker.close();
    r2.close();
    await gw.dispose();
  }
}

async function main(): Promise<void> {
  const bundleDir = buildBundle();
  const sim = await startSimulator({});
  const rows: Row[] = [];
  try {
    // The cases are listed once to count them; each is measured on its own gateway.
    const probe = await spawnGateway({ vars: benchVars(sim.url) }, bundleDir);
    const names = (await casesFor(probe.url, servedBy(await activeModels(probe.url), "openai"))).map((c) => c.name);
    const count = names.length;
    await probe.dispose();
    for (let i = 0; i < count; i++) {
      if (process.env.MEMORY_ONLY && !names[i]!.includes(process.env.MEMORY_ONLY)) continue;
      const row = await measure(bundleDir, sim.url, async (cases) => cases[i]!);
      rows.push(row);
      debug(`measured ${row.name}`);
    }
    // The floor: a bare Worker streaming a 25 MB body from a server into one R2 put, what any Worker storing it costs.
    const [big, small] = [await serve(pngOf(UPLOAD_BYTES)), await serve(pngOf(64 * 1024))];
    const ingest = (floor: URL, from: string) => async () => {
      const res = await fetch(new URL("/ingest", floor), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ from }) });
      await res.arrayBuffer();
      return res.status;
    };
    if (!process.env.MEMORY_ONLY || "floor".includes(process.env.MEMORY_ONLY)) rows.push(
      await measure(bundleDir, sim.url, async (_cases, floor) => ({ name: `floor: bare Worker, ${mib(UPLOAD_BYTES)} MB into one R2 put`, send: ingest(floor!, big.url), warm: ingest(floor!, small.url), requests: 1, goal: null }), true),
    );
    big.close();
    small.close();
  } finally {
    sim.stop();
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  console.log(`${"route and body".padEnd(width)}  status  workerd RSS growth  Worker isolate heap  of it alive  local R2 isolate heap  goal (alive, else heap)`);
  for (const r of rows) {
    const judged = Number.isNaN(r.liveGrowthMiB) ? r.heapGrowthMiB : r.liveGrowthMiB;
    const goal = r.goal === null ? "" : `< ${r.goal} MB ${judged < r.goal ? "ok" : "OVER"}`;
    const cells = [`${r.rssGrowthMiB} MiB`.padStart(18), `${r.heapGrowthMiB} MiB`.padStart(19), `${r.liveGrowthMiB} MiB`.padStart(11), `${r.r2HeapGrowthMiB} MiB`.padStart(21)];
    console.log(`${r.name.padEnd(width)}  ${String(r.status).padStart(6)}  ${cells.join("  ")}  ${goal}`);
  }
}

await main();
