import { Hono } from "hono";
import { html } from "hono/html";
import { doc } from "../docs/registry";
import { isDevelopment, type AppEnv } from "../env";

// GET /: the playground. The page is small and rendered here (so the development key can be filled in); its script
// and styles are static assets (src/ui/client/ → public/ui/, copied by scripts/assets.mjs), outside the Worker bundle.

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const page = (devKey: string) => html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>imagegate playground</title>
<link rel="icon" href="/ui/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/playground.css">
<script type="module" src="/ui/playground.js"></script>
</head>
<body>
<header>
  <h1>imagegate <span>playground</span></h1>
  <nav><a href="/docs">API reference</a><a href="/openapi.json">OpenAPI</a></nav>
</header>
<main>
  <form id="form" class="card" novalidate>
    <label class="wide">API key
      <input id="key" name="key" type="password" autocomplete="off" spellcheck="false" placeholder="ig_…" value="${devKey}" required>
    </label>
    <label class="wide">Prompt
      <textarea id="prompt" name="prompt" rows="3" maxlength="32000" required>A red fox reading a book under a lamp, watercolour</textarea>
    </label>
    <label>Model <select id="model" name="model" required></select></label>
    <label>Quality <select id="quality" name="quality"></select></label>
    <label>Size <select id="size" name="size"></select></label>
    <label>Images <input id="count" name="count" type="number" min="1" max="10" value="1" inputmode="numeric"></label>
    <label id="width-field" hidden>Width <input id="width" name="width" type="number" inputmode="numeric"></label>
    <label id="height-field" hidden>Height <input id="height" name="height" type="number" inputmode="numeric"></label>
    <label>Provider <select id="provider" name="provider"></select></label>
    <p id="hint" class="hint wide"></p>
    <button id="generate" class="wide" type="submit" disabled>Generate</button>
  </form>
  <section id="run" class="card" aria-live="polite">
    <p id="status">Loading models…</p>
    <progress id="progress" max="100" value="0" hidden></progress>
    <p id="error" class="error" role="alert" hidden></p>
    <div id="images"></div>
    <details id="json-box" hidden><summary>Job JSON</summary><pre id="json"></pre></details>
  </section>
  <section class="card">
    <h2>Recent jobs <small id="recent-source"></small></h2>
    <ol id="recent"></ol>
  </section>
</main>
</body>
</html>
`;

const playgroundDoc = doc({
  operationId: "getPlayground",
  summary: "Playground",
  description: "A page that creates jobs on the native API and shows their progress and images.",
  tag: "Documentation",
  auth: "none",
  responses: { 200: { description: "An HTML page.", contentType: "text/html" } },
});

export const playground = new Hono<AppEnv>();

playground.get("/", playgroundDoc, async (c) => {
  const devKey = isDevelopment(c.env) ? (c.env.DEV_API_KEY ?? "") : "";
  return c.html(page(devKey), 200, { "Content-Security-Policy": CSP, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" });
});
