/** Fills public/ (the Worker's static assets) from src/ui/ (the playground page and client), node_modules and the app's routes (public/openapi.json). */
export function buildAssets(): void;
