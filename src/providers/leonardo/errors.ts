import { classifyStatus, errorBody, redact } from "../http";
import { UpstreamError } from "../types";
import { leonardoErrorMessage } from "./wire";

// Leonardo's error answers → the classes of SPEC §4.3. Moderation comes as 400 or 403 with one of two phrases.

const MODERATION = /content moderation filter|inappropriate content/i;

export async function leonardoError(res: Response, now: number): Promise<UpstreamError> {
  const message = leonardoErrorMessage(await errorBody(res));
  if ((res.status === 400 || res.status === 403) && MODERATION.test(message)) {
    return new UpstreamError({ class: "moderated", message: `leonardo's moderation refused the request: ${redact(message)}` });
  }
  return new UpstreamError(classifyStatus("leonardo", res, message, now));
}
