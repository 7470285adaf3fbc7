import type { Env } from "hono";
import { HonoBase } from "hono/hono-base";
import { RegExpRouter } from "hono/router/reg-exp-router";

/**
 * Hono with its RegExpRouter alone. Hono's default router (SmartRouter) bundles a TrieRouter too, to fall back on for
 * routes the RegExpRouter cannot match; imagegate has none (the SmartRouter chose the RegExpRouter for every route),
 * and a route it could not match would throw on every request, which any test of that route shows.
 */
export class Hono<E extends Env = Env> extends HonoBase<E> {
  constructor() {
    super({ router: new RegExpRouter() });
  }
}
