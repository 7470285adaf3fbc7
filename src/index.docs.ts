import * as z from "zod";
import type { RouteDocs } from "./docs/registry";

// The documentation of the routes index.ts registers itself.

export const indexDocs = {
  health: {
    summary: "Liveness",
    tag: "Operations",
    auth: "none",
    responses: { 200: { description: "The Worker answers.", schema: z.object({ ok: z.literal(true) }), example: { ok: true } } },
  },
} satisfies RouteDocs;
