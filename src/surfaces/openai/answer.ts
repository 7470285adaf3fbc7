import type { Env } from "../../env";
import type { Admission } from "../../jobs/admit";
import { jobStub } from "../../jobs/job-stub";
import type { PartialImage } from "../../jobs/partials";
import { isTerminal, type JobRecord } from "../../jobs/record";
import { now } from "../../lib/clock";
import { ApiError } from "../../lib/errors";
import { jobFailure, openaiErrorBody } from "./errors";
import { completedEvents, imagesResponse, partialEvent, type ImageFormat, type Kept } from "./images-body";

// OpenAI's calls are synchronous; imagegate's jobs are not. The request waits for its job (the JobDO wakes it).
// - A job that ends within the grace period gets an ordinary answer: 200 with the images, or the error's own status.
// - A longer job must not be cut off by an idle intermediary: the answer starts (200) and a space goes out every
//   interval until the job ends (JSON parsers skip leading whitespace); then comes the body, which for a job that
//   failed is OpenAI's error object, since the status is already sent.
// - `stream: true` answers SSE at once: partial images as the job gets them (`partial_images`; the OpenAI provider and
//   the sandbox make them), comments while nothing happens, then a completed event per image (or an error event).

/** Timings; the tests shorten them. */
export const KEEP_ALIVE = { graceMs: 15_000, intervalMs: 10_000 };
/**
 * How long the admission of a request waits for its job (AdmitOptions.waitMs): a streamed answer starts at once, any
 * other waits out its grace period there, so that answerWhenDone need not wait again.
 */
export const admissionWaitMs = (stream: boolean): number => (stream ? 0 : KEEP_ALIVE.graceMs);

/** How long past its deadline a job may take before the wait gives up (the JobDO's watchdog ends it before). */
const OVERTIME_MS = 60_000;

export interface AnswerOptions {
  kind: "generation" | "edit";
  stream: boolean;
  format: ImageFormat;
  /** The create's own headers (RateLimit-*, the model's lifecycle, Idempotent-Replayed), on whichever answer it gets. */
  headers: Record<string, string>;
  /** The request's id: an unknown error met after the answer began is logged under it. */
  requestId: string;
}

const encoder = new TextEncoder();

function toStream(chunks: AsyncGenerator<string>, jobId: string): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(encoder.encode(value));
      } catch (err) {
        console.error(JSON.stringify({ msg: "openai answer broke", jobId, error: String(err) }));
        controller.error(err);
      }
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

type PartialRenderer = (rec: JobRecord, partial: PartialImage) => AsyncGenerator<string>;
/** The job as the wait left it, with the bytes of its images the JobDO handed over with it. */
type Ended = { job: JobRecord; kept: Kept };

/**
 * Sends `tick` now and after every interval that passes without news, and each partial image through `partial` as it
 * arrives; returns the job as it ended.
 */
async function* untilEnd(env: Env, rec: JobRecord, tick: string, partial?: PartialRenderer): AsyncGenerator<string, Ended> {
  const stub = jobStub(env, rec.id);
  let seen = 0;
  yield tick;
  for (;;) {
    const news = await stub.waitForNews(KEEP_ALIVE.intervalMs, seen);
    const current = news.job ?? rec;
    for (const p of news.partials) {
      if (partial) yield* partial(current, p);
      seen = p.seq;
    }
    if (isTerminal(current.status) || now() > current.deadlineAt + OVERTIME_MS) return { job: current, kept: new Map(news.kept) };
    if (news.partials.length === 0) yield tick;
  }
}

async function* jsonAfterWait(env: Env, rec: JobRecord, format: ImageFormat, requestId: string): AsyncGenerator<string> {
  let ended: Ended;
  try {
    ended = yield* untilEnd(env, rec, " ");
  } catch (err) {
    yield JSON.stringify(openaiErrorBody(err, requestId));
    return;
  }
  if (ended.job.status === "COMPLETED") yield* imagesResponse(env, ended.job, format, ended.kept);
  else yield JSON.stringify(openaiErrorBody(jobFailure(ended.job)));
}

async function* events(env: Env, rec: JobRecord, opts: AnswerOptions): AsyncGenerator<string> {
  const prefix = opts.kind === "edit" ? "image_edit" : "image_generation";
  const errorEvent = (err: unknown): string => `event: error\ndata: ${JSON.stringify({ type: "error", ...openaiErrorBody(err, opts.requestId) })}\n\n`;
  let ended: Ended;
  try {
    ended = yield* untilEnd(env, rec, ": waiting for the image\n\n", (job, partial) => partialEvent(env, job, partial, prefix));
  } catch (err) {
    yield errorEvent(err);
    return;
  }
  if (ended.job.status === "COMPLETED") yield* completedEvents(env, ended.job, opts.format, prefix, ended.kept);
  else yield errorEvent(jobFailure(ended.job));
}

/**
 * The answer to an admitted job, in whichever of the three forms above applies. The grace period's wait is the
 * admission's (AdmitOptions.waitMs) when it made the job, and this one's for a replay.
 */
export async function answerWhenDone(env: Env, admission: Admission, opts: AnswerOptions): Promise<Response> {
  const rec = admission.job;
  const headers = { ...opts.headers, "x-imagegate-job-id": rec.id };
  if (opts.stream) {
    return new Response(toStream(events(env, rec, opts), rec.id), {
      headers: { ...headers, "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache" },
    });
  }
  const json = { ...headers, "Content-Type": "application/json" };
  const { job: early, kept } = admission.answer ?? (await jobStub(env, rec.id).waitForAnswer(KEEP_ALIVE.graceMs));
  if (early && isTerminal(early.status)) {
    if (early.status !== "COMPLETED") {
      const failure = jobFailure(early);
      throw new ApiError(failure.reason, failure.message, { errors: failure.errors, extra: failure.extra, headers: { ...opts.headers, ...failure.headers } });
    }
    return new Response(toStream(imagesResponse(env, early, opts.format, new Map(kept)), rec.id), { headers: json });
  }
  return new Response(toStream(jsonAfterWait(env, rec, opts.format, opts.requestId), rec.id), { headers: json });
}
