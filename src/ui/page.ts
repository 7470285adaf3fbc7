import { Hono } from "../lib/hono-app";
import { doc } from "../docs/registry";
import { isDevelopment, type Env } from "../env";

// GET /: the playground. The page is a static asset, public/ui/playground.html (src/ui/playground.html, copied by
// scripts/assets.mjs; its headers, the CSP among them, in src/docs/_headers), as are its script and styles
// (src/ui/client/ → public/ui/), so none of it is in the Worker bundle. No asset is named index.html, so the assets
// layer passes / on to the Worker, which answers with that file and, outside production, fills in the development key.

const PAGE = "/ui/playground";

/** What the playground reads: the Worker's vars and its static assets (public/, [assets] in wrangler.toml). */
type PlaygroundEnv = { Bindings: Env & { ASSETS: Fetcher } };

export const playgroundRoutes = new Hono<PlaygroundEnv>();

playgroundRoutes.get("/", doc("getPlayground"), async (c) => {
  // A plain GET of the file: no header of the caller's (If-None-Match, Range) reaches it, so / is always the whole page.
  const asset = await c.env.ASSETS.fetch(new URL(PAGE, c.req.url));
  if (!asset.ok) throw new Error(`the playground's asset ${PAGE} answered ${asset.status}: public/ is not built (npm run assets)`);
  // Its headers copied (a fetched response's are immutable); not its ETag, which names the file, not this answer.
  const page = new Response(asset.body, asset);
  page.headers.delete("etag");
  if (!isDevelopment(c.env)) return page;
  const devKey = c.env.DEV_API_KEY ?? "";
  return new HTMLRewriter().on("input#key", { element: (input) => void input.setAttribute("value", devKey) }).transform(page);
});
