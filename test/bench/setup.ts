// What `npm run bench`, `bench:ab` and `bench:profile` share: the key, the vars, the request shapes, and the creates and
// waits that set a figure up, each checked and bounded, so a refused create or a stuck job fails the run at once.
import { expectStatus } from "../harness/answers.ts";
import { activeModels, qualitiesByPrice, servedBy, type LiveModel } from "../harness/catalogue.ts";

export const BENCH_KEY = "ig_test_benchbenchbenchbenchbenchbench12";
export const OPENAI_KEY = "sk-bench-0123456789abcdef";
export const APIFRAME_KEY = "afk_bench_0123456789abcdef";

/** imagegate's vars: every job goes upstream to the simulator, the way production jobs go to providers. */
export const benchVars = (simUrl: string): Record<string, string> => ({
  ENVIRONMENT: "development",
  DEV_API_KEY: BENCH_KEY,
  FILE_SIGNING_SECRET: "bench-secret",
  SANDBOX: "off",
  PROVIDER_ORDER: "openai,apiframe",
  OPENAI_API_KEY: OPENAI_KEY,
  OPENAI_BASE_URL: `${simUrl}/openai/v1`,
  APIFRAME_API_KEY: APIFRAME_KEY,
  APIFRAME_BASE_URL: `${simUrl}/apiframe`,
  // The create benchmark's jobs wait on an upstream call that does not answer during the run.
  OPENAI_TIMEOUT_SECONDS: "3600",
});

export const post = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${BENCH_KEY}` }): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** The bench key on a GET. */
export const auth = { headers: { authorization: `Bearer ${BENCH_KEY}` } };

/** POST /v2/images/generate; the new job's id. */
export async function createJob(base: URL, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(new URL("/v2/images/generate", base), post(body));
  return (await expectStatus<{ jobId: string }>(`POST /v2/images/generate ${JSON.stringify(body)}`, res, [202])).jobId;
}

export interface CompletedJob {
  status: string;
  error: string | null;
  result: { files: { byteSize: number }[] } | null;
}

/** Polls a job until it completes; throws when it fails, is cancelled, or has not ended within `timeoutMs`. */
export async function completedJob(base: URL, jobId: string, { timeoutMs = 30_000, everyMs = 50 } = {}): Promise<CompletedJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await expectStatus<CompletedJob>(`GET /v2/jobs/${jobId}`, await fetch(new URL(`/v2/jobs/${jobId}`, base), auth), [200]);
    if (job.status === "COMPLETED") return job;
    if (job.status === "FAILED" || job.status === "CANCELLED") throw new Error(`job ${jobId} ${job.status}: ${job.error}`);
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** POST /write on the floor (one Durable Object row); the row's id. */
export async function floorWrite(floor: URL, body: Record<string, unknown>): Promise<string> {
  return (await expectStatus<{ id: string }>("the floor's POST /write", await fetch(new URL("/write", floor), post(body)), [202])).id;
}

/** The model the figures use: an active one that OpenAI serves, since held creates and the sync figure go to OpenAI. */
export const benchModel = async (base: URL): Promise<LiveModel> => servedBy(await activeModels(base), "openai");

/** A completed job of `model`, to be read again and again by the poll figures. */
export const completedJobId = async (base: URL, model: LiveModel): Promise<string> => {
  const jobId = await createJob(base, { prompt: "poll me", model: model.id });
  await completedJob(base, jobId);
  return jobId;
};

/** The OpenAI surface's body for one image of `model`: its default preset size, its cheapest quality. */
export function syncBody(model: LiveModel): Record<string, unknown> {
  const size = model.sizes.presets[model.sizes.defaultAspectRatio]!;
  return { model: model.id, prompt: "sync bench", size: `${size.width}x${size.height}`, quality: qualitiesByPrice(model)[0] };
}
