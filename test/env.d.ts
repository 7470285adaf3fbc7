import type { Env as Bindings } from "../src/env";

// `env` from cloudflare:test carries the Worker's own bindings.
declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
  }
}
