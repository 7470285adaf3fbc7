import { classifyStatus, errorBody } from "../http";
import { UpstreamError } from "../types";
import { apiframeErrorMessage } from "./wire";

// apiframe's error answers → the classes of SPEC §4.3.

export async function apiframeError(res: Response, now: number): Promise<UpstreamError> {
  const message = apiframeErrorMessage(await errorBody(res));
  // Our apiframe account is out of credits: not the caller's fault, and another provider may serve the job.
  if (res.status === 402) return new UpstreamError({ class: "fatal", message: "apiframe: insufficient credits on imagegate's account" });
  // The same Idempotency-Key with a different body: never expected, never retried blindly.
  if (res.status === 409) return new UpstreamError({ class: "fatal", message: "apiframe refused a replayed Idempotency-Key (409)" });
  return new UpstreamError(classifyStatus("apiframe", res, message, now));
}
