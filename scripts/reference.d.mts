/** The OpenAPI document of the app's routes, as JSON (built under Node from src/). */
export function buildOpenApiJson(): string;
/** Writes the API reference's static assets: public/openapi.json, public/docs.html and public/_headers. */
export function buildReference(): void;
