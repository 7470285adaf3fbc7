// The routes each fuzzer aims at, as the app registers them ("METHOD pattern"). Together they are every route of the
// app (coverage.test.ts checks that, so a new route fails the suite until a fuzzer aims at it), and each fuzzer must
// reach each of its routes in every run (fuzzSurface checks that, so an aim cannot be listed and never tried).

export const AIMS = {
  native: [
    "POST /v2/images/generate", "GET /v2/jobs/:id", "GET /v2/jobs/:id/events", "GET /v2/jobs/:id/deliveries", "POST /v2/jobs/:id/cancel",
    "GET /v2/jobs", "GET /v2/models", "GET /v2/status", "GET /v2/me", "POST /v2/me/webhook-secret/rotate",
  ],
  uploads: ["POST /v2/uploads"],
  files: ["GET /v2/files/*", "HEAD /v2/files/*"],
  admin: ["POST /admin/keys", "DELETE /admin/keys/:id", "POST /admin/accounts/:id/credits"],
  openai: ["POST /v1/images/generations", "POST /v1/images/edits", "GET /v1/models", "GET /v1/models/:model"],
  leonardo: ["POST /api/rest/v2/generations", "GET /api/rest/v1/generations/:id", "POST /api/rest/v1/init-image", "POST /api/rest/v1/init-image/upload"],
  callbacks: ["POST /hooks/leonardo", "POST /hooks/apiframe"],
  pages: ["GET /", "GET /docs", "GET /openapi.json", "GET /healthz"],
  usage: ["GET /v2/usage", "PATCH /admin/keys/:id", "GET /admin/usage"],
} as const satisfies Record<string, readonly string[]>;

export type Surface = keyof typeof AIMS;
