// Runs imagegate's minified production bundle and (optionally) the bare floor Worker in one workerd, through
// Miniflare, with each Worker reached on its own direct socket (no dev proxy in front). Bindings come from
// wrangler.toml via wrangler itself, so they never drift from what `wrangler deploy` ships.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
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
  /** Print the Worker's own console lines (job transitions, request logs); off by default. */
  verbose?: boolean;
}

export interface Gateway {
  url: URL;
  floorUrl: URL | null;
  bundleDir: string;
  mf: Miniflare;
  dispose(): Promise<void>;
}

// workerd resolves module paths inside the project root, so builds go under .wrangler/ (ignored by git).
const buildDir = (name: string): string => {
  mkdirSync(".wrangler/bench", { recursive: true });
  return mkdtempSync(join(".wrangler/bench", `${name}-`));
};

/** Builds the Worker exactly as `wrangler deploy --minify` would, into a fresh folder. */
export function buildBundle(): string {
  const outdir = buildDir("imagegate");
  execFileSync(process.execPath, ["scripts/assets.mjs"], { stdio: "ignore" }); // wrangler wants public/ to exist
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--minify", "--outdir", outdir], {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
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
  const { modulesRules: _rules, ...workerOptions } = unstable_getMiniflareWorkerOptions("wrangler.toml").workerOptions;
  const script = readdirSync(bundleDir).find((f) => f.endsWith(".js"))!;
  const workers = options.floorOnly ? [] : [
    {
      ...workerOptions,
      name: "imagegate",
      modules: true,
      scriptPath: join(bundleDir, script),
      bindings: { ...(workerOptions.bindings ?? {}), ...options.vars },
      unsafeDirectSockets: [{ port: 0 }],
    },
  ];
  if (options.withFloor || options.floorOnly) {
    workers.push({
      name: "floor",
      modules: true,
      scriptPath: await buildFloor(),
      compatibilityDate: workerOptions.compatibilityDate,
      compatibilityFlags: workerOptions.compatibilityFlags,
      durableObjects: { FLOOR: { className: "Floor", useSQLite: true } },
      unsafeDirectSockets: [{ port: 0 }],
    } as unknown as (typeof workers)[number]);
  }
  // wrangler translates its config into Miniflare's v4 option shape; this Miniflare converts that shape itself.
  const mf = new Miniflare({
    ...convertV4MiniflareOptions({ workers } as Parameters<typeof convertV4MiniflareOptions>[0]),
    ...(options.verbose ? {} : { handleStructuredLogs: () => undefined }),
  });
  await mf.ready;
  const url = options.floorOnly ? new URL("http://unused.invalid") : await mf.unsafeGetDirectURL("imagegate");
  const floorUrl = options.withFloor || options.floorOnly ? await mf.unsafeGetDirectURL("floor") : null;
  return { url, floorUrl, bundleDir, mf, dispose: () => mf.dispose() };
}
