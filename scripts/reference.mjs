#!/usr/bin/env node
// The API reference's static assets in public/: the OpenAPI document (openapi.json), the page that shows it
// (docs.html, from src/docs/page.html) and that page's headers (_headers, from src/docs/_headers). The document is
// what src/docs/openapi.ts builds from the app's own routes and zod schemas, built here under Node so that the
// generator stays out of the Worker bundle: src/ uses extensionless imports and `cloudflare:workers`, so esbuild
// bundles the app first (that module stubbed) and a child Node runs the bundle. scripts/assets.mjs runs this (npm
// start, check:bundle, deploy, test:e2e), and so does vitest.config.ts, so that the tests read the document of the
// code they test.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// The docs (src/docs/all-docs.ts) are imported here, beside the app, and never by the Worker: their descriptions,
// examples and documentation-only schemas are not in its bundle.
const ENTRY = `
import { app } from "./src/index";
import { ROUTE_DOCS } from "./src/docs/all-docs";
import { buildOpenApi } from "./src/docs/openapi";
process.stdout.write(JSON.stringify(buildOpenApi(app.routes, ROUTE_DOCS)));
`;

/** The OpenAPI document of the app's routes, as JSON. */
export function buildOpenApiJson() {
  const { outputFiles } = buildSync({
    stdin: { contents: ENTRY, resolveDir: root, loader: "ts", sourcefile: "openapi-entry.ts" },
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    alias: { "cloudflare:workers": join(root, "scripts/cloudflare-workers.stub.mjs") },
    logLevel: "warning",
  });
  return execFileSync(process.execPath, ["--input-type=module"], { input: outputFiles[0].text, maxBuffer: 64 << 20, encoding: "utf8" });
}

// Each file is written whole (by rename), so that a server reading public/ never sees half of one.
function place(target, write) {
  const partial = `${target}.${process.pid}.tmp`;
  write(partial);
  renameSync(partial, target);
}

/** Writes public/openapi.json, public/docs.html and public/_headers. */
export function buildReference() {
  const pub = join(root, "public");
  mkdirSync(pub, { recursive: true });
  place(join(pub, "openapi.json"), (path) => writeFileSync(path, buildOpenApiJson()));
  place(join(pub, "docs.html"), (path) => copyFileSync(join(root, "src/docs/page.html"), path));
  place(join(pub, "_headers"), (path) => copyFileSync(join(root, "src/docs/_headers"), path));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) buildReference();
