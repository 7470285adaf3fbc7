import { apiframe } from "./apiframe";
import { leonardo } from "./leonardo";
import type { ProviderName } from "./names";
import { openai } from "./openai";
import { sandbox } from "./sandbox";
import type { Provider } from "./types";

/** Every adapter, by name. Adding a provider is one line here plus its folder. */
export const PROVIDERS: Partial<Record<ProviderName, Provider>> = { sandbox, leonardo, apiframe, openai };

export function providerByName(name: ProviderName): Provider {
  const provider = PROVIDERS[name];
  if (!provider) throw new Error(`provider ${name} has no adapter`);
  return provider;
}
