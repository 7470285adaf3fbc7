import type { RouteDocs } from "../docs/registry";

// The documentation of the playground's route (page.ts).

export const playgroundDocs = {
  getPlayground: {
    summary: "Playground",
    description: "A page that creates jobs on the native API and shows their progress and images.",
    tag: "Documentation",
    auth: "none",
    responses: { 200: { description: "An HTML page.", contentType: "text/html" } },
  },
} satisfies RouteDocs;
