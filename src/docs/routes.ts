import type { Handler } from "hono";
import { Hono } from "../lib/hono-app";
import { doc } from "./registry";

// GET /openapi.json and GET /docs are static assets (public/, filled by scripts/assets.mjs): the document built from
// the app's own routes (scripts/reference.mjs), and the page (src/docs/page.html, its CSP in src/docs/_headers) that
// shows it with Scalar from public/vendor/ and public/ui/; nothing from another host. Documented in routes.docs.ts.

/** What the reference routes read: the static assets (public/, [assets] in wrangler.toml). */
type ReferenceEnv = { Bindings: { ASSETS: Fetcher } };

// Workers answer GET and HEAD of a path that names a static asset without running the Worker. These routes are here
// to be listed in the document, and for a request that reaches the Worker itself (the tests' SELF.fetch): they answer
// with the same file, its headers copied (a fetched response's are immutable, and the Worker adds x-request-id).
const fromAssets: Handler<ReferenceEnv> = async (c) => {
  const asset = await c.env.ASSETS.fetch(c.req.raw);
  return new Response(asset.body, asset);
};

/** The reference routes. */
export const docsRoutes = new Hono<ReferenceEnv>();
docsRoutes.get("/openapi.json", doc("getOpenApi"), fromAssets);
docsRoutes.get("/docs", doc("getDocs"), fromAssets);
