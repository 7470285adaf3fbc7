export const PROVIDER_NAMES = ["sandbox", "leonardo", "apiframe", "openai"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];
