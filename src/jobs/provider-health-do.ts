import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { now } from "../lib/clock";
import { KnownAlarm } from "../lib/known-alarm";
import { circuitHealth, claimProbe, closedCircuit, recordSample, type Circuit, type Health, type Sample } from "./circuit";

// One Durable Object per upstream provider, shared by every JobDO: its circuit breaker and health figures, and the
// index from its upstream job ids back to imagegate's jobs (Leonardo calls back with only its generation id).
// Callers pass their clock, so the breaker's time is the job's time.

const CIRCUIT = "circuit";
const LINK_TTL_MS = 48 * 3600_000;
const PRUNE_EVERY_MS = 3600_000;

export interface UpstreamLink {
  upstreamId: string;
  jobId: string;
}

export class ProviderHealthDO extends DurableObject<Env> {
  private readonly alarms: KnownAlarm;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.alarms = new KnownAlarm(ctx.storage);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS links (upstream_id TEXT PRIMARY KEY, job_id TEXT NOT NULL, at INTEGER NOT NULL)");
  }

  private async circuit(): Promise<Circuit> {
    return (await this.ctx.storage.get<Circuit>(CIRCUIT)) ?? closedCircuit();
  }

  async health(now: number): Promise<Health> {
    return circuitHealth(await this.circuit(), now);
  }

  /** True when a call may go: the circuit is closed, or this caller is the half-open probe. */
  async claim(now: number): Promise<boolean> {
    const { circuit, granted } = claimProbe(await this.circuit(), now);
    await this.ctx.storage.put(CIRCUIT, circuit);
    return granted;
  }

  /** Outcomes of calls, and upstream ids to remember, from one step of one job; the health the outcomes leave, if any. */
  async report(samples: Sample[], links: UpstreamLink[], at: number): Promise<Health | null> {
    let health: Health | null = null;
    if (samples.length > 0) {
      let circuit = await this.circuit();
      for (const sample of samples) circuit = recordSample(circuit, sample);
      await this.ctx.storage.put(CIRCUIT, circuit);
      health = circuitHealth(circuit, at);
    }
    for (const link of links) {
      this.ctx.storage.sql.exec("INSERT OR REPLACE INTO links (upstream_id, job_id, at) VALUES (?, ?, ?)", link.upstreamId, link.jobId, at);
    }
    if (links.length > 0 && (await this.alarms.get()) === null) await this.alarms.set(now() + PRUNE_EVERY_MS);
    return health;
  }

  async jobOf(upstreamId: string): Promise<string | null> {
    const row = this.ctx.storage.sql.exec<{ job_id: string }>("SELECT job_id FROM links WHERE upstream_id = ?", upstreamId).toArray()[0];
    return row?.job_id ?? null;
  }

  override async alarm(): Promise<void> {
    this.alarms.fired();
    this.ctx.storage.sql.exec("DELETE FROM links WHERE at < ?", now() - LINK_TTL_MS);
    const left = this.ctx.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM links").one().n;
    if (left > 0) await this.alarms.set(now() + PRUNE_EVERY_MS);
  }
}
