import { classifyStatus, errorBody, redact } from "../http";
import { UpstreamError } from "../types";
import { openaiErrorOf } from "./wire";

// OpenAI's error answers → the classes of SPEC §4.3.

export async function openaiError(res: Response, now: number): Promise<UpstreamError> {
  const { message, code } = openaiErrorOf(await errorBody(res));
  if (code === "moderation_blocked") return new UpstreamError({ class: "moderated", message: `openai's safety system refused the request: ${redact(message)}` });
  // A spent quota is not a passing rate limit: waiting does not help, another provider may.
  if (res.status === 429 && code === "insufficient_quota") return new UpstreamError({ class: "fatal", message: "openai: imagegate's quota is spent" });
  return new UpstreamError(classifyStatus("openai", res, message, now));
}
