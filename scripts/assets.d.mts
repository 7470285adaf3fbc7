/** Fills public/ (the Worker's static assets) from src/ui/client/ and node_modules. */
export function buildAssets(): void;
