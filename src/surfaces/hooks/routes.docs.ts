import * as z from "zod";
import type { RouteDocs } from "../../docs/registry";
import { callbackSchema } from "../../jobs/callbacks";
import { ApiError } from "../../lib/errors";
import { problems } from "../../lib/problem.docs";
import { refused, tooLarge } from "./errors";

// The documentation of the upstream callbacks (routes.ts), and the schema of their answer, which types what
// routes.ts answers with.

export const Received = z
  .object({ received: z.literal(true), woke: z.boolean().meta({ description: "Whether a job was waiting for this upstream id." }) })
  .meta({ id: "CallbackReceived", examples: [{ received: true, woke: true }] });

const TAG = "Provider callbacks";
const CALLBACK_ERRORS = problems(new ApiError("invalid_request", "The callback body does not have the expected shape."), refused(), tooLarge());
const WHAT_IT_DOES =
  "It only wakes the job that waits for the upstream id: the job's next poll confirms the state with the provider, " +
  "so the callback's content is never trusted. Wrong credentials are a 401 and change nothing.";

export const callbackDocs = {
  leonardoCallback: {
    summary: "Leonardo callback",
    description: `Leonardo's webhook, set up on the Leonardo API key with this URL and \`LEONARDO_WEBHOOK_TOKEN\` as its bearer token. ${WHAT_IT_DOES}`,
    tag: TAG,
    auth: "callback",
    body: { content: { "application/json": callbackSchema("leonardo") } },
    responses: { 200: { description: "Received.", schema: Received }, ...CALLBACK_ERRORS },
  },
  apiframeCallback: {
    summary: "apiframe callback",
    description: `apiframe's webhook, which imagegate asks for on each job it submits. ${WHAT_IT_DOES}`,
    tag: TAG,
    auth: "callback",
    params: {
      "X-Webhook-Signature": { in: "header", required: true, description: "`sha256=<hex>`: HMAC-SHA256 of the raw body, keyed with the SHA-256 of the apiframe API key." },
      job: { in: "query", description: "The imagegate job id, added to the callback URL imagegate gives apiframe." },
    },
    body: { content: { "application/json": callbackSchema("apiframe") } },
    responses: { 200: { description: "Received.", schema: Received }, ...CALLBACK_ERRORS },
  },
} satisfies RouteDocs;
