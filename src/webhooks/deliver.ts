import { isDevelopment, type Env } from "../env";
import { now } from "../lib/clock";
import { FetchFailed, UrlRefused } from "../lib/fetch-errors";
import { fetchUserUrl } from "../lib/safe-fetch";
import { signatureHeader } from "./sign";

// One delivery attempt of one webhook (SPEC §6): signed per Standard Webhooks with every secret the account holds
// (two during a rotation), through the SSRF guard, never following a redirect, within DELIVERY.timeoutMs.

/** Timing; the tests shorten it. */
export const DELIVERY = { timeoutMs: 15_000 };

/** Receivers' answers are not read; what little arrives is cut off here. */
const MAX_ANSWER_BYTES = 64 * 1024;

export interface WebhookMessage {
  url: string;
  webhookId: string;
  body: string;
  secrets: string[];
}

/** delivered: 2xx; gone: 410, no more deliveries; refused: the URL is not allowed; retry: anything else. */
export type DeliveryOutcome = {
  kind: "delivered" | "retry" | "gone" | "refused";
  statusCode: number | null;
  latencyMs: number;
  error: string | null;
};

function outcomeOf(status: number, latencyMs: number): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: "delivered", statusCode: status, latencyMs, error: null };
  if (status === 410) return { kind: "gone", statusCode: status, latencyMs, error: "the receiver answered 410 Gone: no more deliveries for this job" };
  const error = status >= 300 && status < 400 ? `the receiver redirected (${status}); webhooks do not follow redirects` : `the receiver answered ${status}`;
  return { kind: "retry", statusCode: status, latencyMs, error };
}

export async function deliverWebhook(env: Env, message: WebhookMessage): Promise<DeliveryOutcome> {
  const timestamp = Math.floor(now() / 1000);
  const headers = {
    "content-type": "application/json",
    "user-agent": "imagegate-webhooks/1",
    "webhook-id": message.webhookId,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signatureHeader(message.secrets, message.webhookId, timestamp, message.body),
  };
  const started = now();
  try {
    const { response } = await fetchUserUrl(message.url, { allowLoopbackHttp: isDevelopment(env) }, {
      method: "POST",
      headers,
      body: message.body,
      timeoutMs: DELIVERY.timeoutMs,
      maxBytes: MAX_ANSWER_BYTES,
      followRedirects: false,
    });
    await response.body?.cancel().catch(() => undefined);
    return outcomeOf(response.status, now() - started);
  } catch (err) {
    const latencyMs = now() - started;
    if (err instanceof UrlRefused) return { kind: "refused", statusCode: null, latencyMs, error: `the URL is refused: ${err.reason}` };
    if (err instanceof FetchFailed && err.kind === "timeout") {
      return { kind: "retry", statusCode: null, latencyMs, error: `no answer within ${DELIVERY.timeoutMs / 1000} s` };
    }
    return { kind: "retry", statusCode: null, latencyMs, error: err instanceof FetchFailed ? err.reason : "the request failed" };
  }
}
