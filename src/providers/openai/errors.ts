import { classifyStatus, errorBody, redact } from "../http";
import { UpstreamError } from "../types";
import { openaiErrorOf } from "./wire";

// OpenAI's error answers → the classes of SPEC §4.3.

const refused = (message: string): UpstreamError =>
  new UpstreamError({ class: "moderated", message: `openai's safety system refused the request: ${redact(message)}` });

export async function openaiError(res: Response, now: number): Promise<UpstreamError> {
  const { message, code } = openaiErrorOf(await errorBody(res));
  if (code === "moderation_blocked") return refused(message);
  // A spent quota is not a passing rate limit: waiting does not help, another provider may.
  if (res.status === 429 && code === "insufficient_quota") return new UpstreamError({ class: "fatal", message: "openai: imagegate's quota is spent" });
  return new UpstreamError(classifyStatus("openai", res, message, now));
}

/** An `error` event in a streamed answer: the answer had begun, so anything but a refusal is an unknown outcome. */
export function openaiStreamError(body: unknown): UpstreamError {
  const { message, code } = openaiErrorOf(body);
  if (code === "moderation_blocked") return refused(message);
  return new UpstreamError({ class: "retryable", message: `openai's stream ended in an error: ${redact(message) || "no message"}`, unknownOutcome: true });
}
