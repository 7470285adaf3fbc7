#!/usr/bin/env node
// Fills public/, the Worker's static assets ([assets] in wrangler.toml): the playground's page (src/ui/playground.html,
// the file GET / answers with) and client (src/ui/client/), Scalar's standalone API reference from node_modules (MIT;
// 4 MB, so it is copied rather than committed), and the API reference's page and OpenAPI document, built from
// src/docs/ and the app's routes (scripts/reference.mjs).
// `npm start`, `npm run check:bundle`, `npm run deploy` and `npm run test:e2e` run it (`npm run assets` alone).
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildReference } from "./reference.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export function buildAssets() {
  const pub = join(root, "public");
  rmSync(join(pub, "ui"), { recursive: true, force: true });
  cpSync(join(root, "src/ui/client"), join(pub, "ui"), { recursive: true, filter: (p) => !p.endsWith(".d.ts") });
  copyFileSync(join(root, "src/ui/playground.html"), join(pub, "ui/playground.html"));

  const scalarDir = join(root, "node_modules/@scalar/api-reference");
  const source = join(scalarDir, "dist/browser/standalone.js");
  if (!existsSync(source)) throw new Error(`${source} is missing: run npm install`);
  const target = join(pub, "vendor/scalar-api-reference.js");
  mkdirSync(dirname(target), { recursive: true });
  if (!existsSync(target) || statSync(target).size !== statSync(source).size) copyFileSync(source, target);
  const { version, license } = JSON.parse(readFileSync(join(scalarDir, "package.json"), "utf8"));
  writeFileSync(
    join(pub, "vendor/scalar-api-reference.txt"),
    `scalar-api-reference.js is dist/browser/standalone.js of @scalar/api-reference ${version} (licence: ${license}).\n`,
  );

  buildReference();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) buildAssets();
