// The API reference at /docs: Scalar's standalone bundle (served from /vendor/), reading /openapi.json.
// Nothing leaves this origin: no web fonts from a CDN, no telemetry, no AI agent, no MCP generator, no proxy.
globalThis.Scalar.createApiReference("#app", {
  url: "/openapi.json",
  withDefaultFonts: false,
  telemetry: false,
  agent: { disabled: true },
  mcp: { disabled: true },
  showDeveloperTools: "never",
  authentication: { preferredSecurityScheme: "apiKey" },
  metaData: { title: "imagegate API reference" },
  favicon: "/ui/favicon.svg",
});
