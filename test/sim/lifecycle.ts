// Shutdown dates of the models the simulated providers serve: OpenAI's `shutdown_date` (GET /v1/models) and the date
// after which Leonardo stops serving a model. Each provider's table holds the defaults; tests change a date through
// /_sim/<provider>/models/<id> (control.ts), either for everyone (the listing too) or only for the creates whose prompt
// contains `match`: the simulator is shared by every test file of a run, so a file that keeps a retired model served
// for its own prompts must not revive it for the others. POST /_sim/reset restores the defaults.

export type LifecycleProvider = "openai" | "leonardo";
export type ShutdownDefaults = Record<LifecycleProvider, ReadonlyMap<string, string | null>>;

type Scoped = { match: string; shutdownDate: string | null };

/** The model is gone from the start (00:00 UTC) of its shutdown date. */
const startOf = (date: string): number => Date.parse(`${date}T00:00:00Z`);

export function createLifecycle(defaults: ShutdownDefaults, now: () => number) {
  const fresh = () => ({
    openai: new Map(defaults.openai),
    leonardo: new Map(defaults.leonardo),
  });
  let listed = fresh();
  let scoped: Record<LifecycleProvider, Map<string, Scoped[]>> = { openai: new Map(), leonardo: new Map() };

  /** The date that applies to a create with this prompt: the newest override whose match it contains, else the listed one. */
  const dateFor = (provider: LifecycleProvider, id: string, prompt: string | null): string | null => {
    const hit = (scoped[provider].get(id) ?? []).findLast((s) => prompt !== null && prompt.includes(s.match));
    return hit !== undefined ? hit.shutdownDate : (listed[provider].get(id) ?? null);
  };

  return {
    has: (provider: LifecycleProvider, id: string): boolean => listed[provider].has(id),
    /** The shutdown date everyone sees (OpenAI lists it). */
    listed: (provider: LifecycleProvider, id: string): string | null => listed[provider].get(id) ?? null,
    /** The shutdown date when it has passed for a create with this prompt, else null (the model serves it). */
    passed(provider: LifecycleProvider, id: string, prompt: string | null): string | null {
      const date = dateFor(provider, id, prompt);
      return date !== null && now() >= startOf(date) ? date : null;
    },
    /** Sets a date (null: none announced), for everyone or only for prompts containing `match`. */
    set(provider: LifecycleProvider, id: string, shutdownDate: string | null, match?: string): void {
      if (match === undefined) listed[provider].set(id, shutdownDate);
      else scoped[provider].set(id, [...(scoped[provider].get(id) ?? []).filter((s) => s.match !== match), { match, shutdownDate }]);
    },
    /** Back to the default: the listed date (and every scoped one), or only the override of `match`. */
    restore(provider: LifecycleProvider, id: string, match?: string): void {
      if (match !== undefined) scoped[provider].set(id, (scoped[provider].get(id) ?? []).filter((s) => s.match !== match));
      else {
        listed[provider].set(id, defaults[provider].get(id) ?? null);
        scoped[provider].delete(id);
      }
    },
    view: (provider: LifecycleProvider) =>
      [...listed[provider]].map(([id, shutdownDate]) => ({
        id,
        shutdown_date: shutdownDate,
        default_shutdown_date: defaults[provider].get(id) ?? null,
        scoped: (scoped[provider].get(id) ?? []).map((s) => ({ match: s.match, shutdown_date: s.shutdownDate })),
      })),
    reset(): void {
      listed = fresh();
      scoped = { openai: new Map(), leonardo: new Map() };
    },
  };
}

export type Lifecycle = ReturnType<typeof createLifecycle>;
