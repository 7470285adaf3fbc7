// Runs imagegate's minified production bundle and (optionally) the bare floor Worker in one workerd, through
// Miniflare, with each Worker reached on its own direct socket (no dev proxy in front). Bindings come from
// wrangler.toml via wrangler itself, so they never drift from what `wrangler deploy` ships.
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

// The Miniflare that wrangler itself runs (the project's top-level one belongs to the vitest plugin and takes other
// options), so wrangler's translated options fit it exactly.
const wranglerRequire = createRequire(createRequire(import.meta.url).resolve("wrangler"));
const { Miniflare, convertV4MiniflareOptions } = wranglerRequire("miniflare") as typeof import("miniflare");
type Miniflare = InstanceType<typeof Miniflare>;

export interface GatewayOptions {
  /** Leave imagegate out and run only the floor (to time the floor's startup alone). */
  floorOnly?: boolean;
  /** Vars and secrets on top of wrangler.toml's (e.g. ENVIRONMENT, DEV_API_KEY, provider base URLs). */
  vars: Record<string, string>;
  withFloor?: boolean;
  /** Print the Worker's own console lines (job ends, request logs); off by default. */
  verbose?: boolean;
  /** Append them, as workerd's structured log records (with timestamps), to this file instead. */
  logFile?: string;
  /** Open workerd's V8 inspector on a free port (test/bench/profile.ts takes CPU profiles through it). */
  inspect?: boolean;
  /** The origin the floor's /proxy/… passes requests to (the simulator). */
  floorUpstream?: string;
  /** Keep wrangler.toml's [assets] (Miniflare's assets router in front of the Worker); off by default. */
  assets?: boolean;
  /** Another build of imagegate to run beside it, same bindings, as worker "baseline" (test/bench/ab.ts). */
  baselineDir?: string;
}

export interface Gateway {
  url: URL;
  floorUrl: URL | null;
  bundleDir: string;
  mf: Miniflare;
  /** The inspector's base URL (http://host:port) when `inspect` was set. */
  inspectorUrl: URL | null;
  baselineUrl: URL | null;
  dispose(): Promise<void>;
}

// workerd resolves module paths inside the project root, so builds go under .wrangler/ (ignored by git).
export const buildDir = (name: string): string => {
  mkdirSync(".wrangler/bench", { recursive: true });
  return mkdtempSync(join(".wrangler/bench", `${name}-`));
};

/**
 * Builds the Worker exactly as `wrangler deploy --minify` would, into a fresh folder (unminified for profiles); from
 * the working tree, or from a git revision exported to a scratch folder.
 */
export function buildBundle({ minify = true, rev }: { minify?: boolean; rev?: string } = {}): string {
  const outdir = resolve(buildDir(rev ? "rev" : "imagegate"));
  let cwd = process.cwd();
  if (rev) {
    cwd = mkdtempSync(join(tmpdir(), "imagegate-rev-"));
    execFileSync("sh", ["-c", `git archive "$1" | tar -x -C "$2"`, "sh", rev, cwd]);
    symlinkSync(resolve("node_modules"), join(cwd, "node_modules"));
  }
  execFileSync(process.execPath, ["scripts/assets.mjs"], { stdio: "ignore", cwd }); // wrangler wants public/ to exist
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", ...(minify ? ["--minify"] : []), "--outdir", outdir], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    cwd,
  });
  // The build runs with its own bindings (a rename of a Durable Object class changes them).
  if (rev) copyFileSync(join(cwd, "wrangler.toml"), join(outdir, "wrangler.toml"));
  if (rev) rmSync(cwd, { recursive: true, force: true });
  return outdir;
}

export async function buildFloor(): Promise<string> {
  const outdir = buildDir("floor");
  await build({
    entryPoints: ["test/bench/floor-worker.ts"],
    bundle: true,
    minify: true,
    format: "esm",
    external: ["cloudflare:*"],
    outfile: join(outdir, "index.js"),
  });
  return join(outdir, "index.js");
}

export async function startGateway(options: GatewayOptions, bundleDir = buildBundle()): Promise<Gateway> {
  // The bundle is one ES module: wrangler's module rules (for unbundled sources) do not apply.
  const optionsOf = (dir: string) => {
    const config = existsSync(join(dir, "wrangler.toml")) ? join(dir, "wrangler.toml") : "wrangler.toml";
    const { modulesRules: _rules, ...workerOptions } = unstable_getMiniflareWorkerOptions(config).workerOptions;
    return workerOptions;
  };
  const workerOptions = optionsOf(bundleDir);
  const imagegate = (name: string, dir: string) => {
    const own = optionsOf(dir);
    return {
      ...own,
      // Static assets are served by the platform in front of the Worker; locally Miniflare puts two more Workers (its
      // assets router and server) in front of it, which cost a Worker that answers at once 0.7 ms p50 and half its
      // throughput (measured): the benchmarks leave them out unless asked.
      ...(options.assets ? {} : { assets: undefined }),
      // The baseline keeps its keys and files apart (the development key is seeded, with credits, per worker).
      ...(name === "baseline" ? { kvNamespaces: { KEYS: { id: "baseline-keys" } }, r2Buckets: { FILES: { id: "baseline-files" } } } : {}),
      name,
      modules: true,
      scriptPath: join(dir, readdirSync(dir).find((f) => f.endsWith(".js"))!),
      bindings: { ...(own.bindings ?? {}), ...options.vars },
      unsafeDirectSockets: [{ port: 0 }],
    };
  };
  const workers = options.floorOnly ? [] : [imagegate("imagegate", bundleDir)];
  if (options.baselineDir) workers.push(imagegate("baseline", options.baselineDir));
  if (options.withFloor || options.floorOnly) {
    workers.push({
      name: "floor",
      modules: true,
      scriptPath: await buildFloor(),
      compatibilityDate: workerOptions.compatibilityDate,
      compatibilityFlags: workerOptions.compatibilityFlags,
      durableObjects: { FLOOR: { className: "Floor", useSQLite: true } },
      r2Buckets: { FILES: { id: "floor-files" } },
      bindings: { LOG_REQUESTS: process.env.BENCH_FLOOR_LOG ?? "1", ...(options.floorUpstream ? { UPSTREAM: options.floorUpstream } : {}) },
      unsafeDirectSockets: [{ port: 0 }],
    } as unknown as (typeof workers)[number]);
  }
  // wrangler translates its config into Miniflare's v4 option shape; this Miniflare converts that shape itself.
  const mf = new Miniflare({
    ...convertV4MiniflareOptions({ workers } as Parameters<typeof convertV4MiniflareOptions>[0]),
    ...(options.verbose ? {} : { handleStructuredLogs: options.logFile ? (log: unknown) => appendFileSync(options.logFile!, `${JSON.stringify(log)}\n`) : () => undefined }),
    ...(options.inspect ? { inspectorPort: 0 } : {}),
  });
  await mf.ready;
  const url = options.floorOnly ? new URL("http://unused.invalid") : await mf.unsafeGetDirectURL("imagegate");
  const floorUrl = options.withFloor || options.floorOnly ? await mf.unsafeGetDirectURL("floor") : null;
  const inspectorUrl = options.inspect ? new URL((await mf.getInspectorURL()).href.replace(/^ws/, "http")) : null;
  const baselineUrl = options.baselineDir ? await mf.unsafeGetDirectURL("baseline") : null;
  return { url, floorUrl, bundleDir, mf, inspectorUrl, baselineUrl, dispose: () => mf.dispose() };
}

export interface HostedGateway {
  url: URL;
  floorUrl: URL | null;
  baselineUrl: URL | null;
  inspectorUrl: URL | null;
  /** workerd's process, for its resident memory. */
  workerdPid: number;
  dispose(): Promise<void>;
}

/** Marks the host's one line of its own on stdout; anything else there (wrangler's notices) is passed over. */
export const READY = "gateway-ready ";

/** startGateway in a process of its own (test/harness/gateway-host.ts): what the benchmarks time against. */
export function spawnGateway(options: GatewayOptions, bundleDir: string): Promise<HostedGateway> {
  const child = spawn(process.execPath, [join(import.meta.dirname, "gateway-host.ts"), JSON.stringify(options), bundleDir], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`gateway host exited with ${code}`)));
    let out = "";
    child.stdout!.setEncoding("utf8").on("data", (text: string) => {
      out += text;
      const line = out.split("\n").find((l) => l.startsWith(READY));
      if (line === undefined) return;
      out = "";
      const ready = JSON.parse(line.slice(READY.length)) as Record<string, string | number | null>;
      const url = (key: string) => (typeof ready[key] === "string" ? new URL(ready[key]) : null);
      resolve({
        url: url("url")!,
        floorUrl: url("floorUrl"),
        baselineUrl: url("baselineUrl"),
        inspectorUrl: url("inspectorUrl"),
        workerdPid: ready.workerdPid as number,
        dispose: async () => {
          child.kill("SIGTERM");
          await exited;
        },
      });
    });
  });
}
