import { sha256, verifyHmacSha256 } from "../../lib/crypto";
import type { ProviderCallback } from "../types";
import { ApiframeCallback } from "./wire";

// apiframe's callbacks (POST /hooks/apiframe?job=…) are signed: `X-Webhook-Signature: sha256=<hex>`, an HMAC-SHA256
// of the raw body keyed with the SHA-256 of our API key. The job id in the URL is the one submit put there.

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

export const apiframeCallback: ProviderCallback = {
  schema: ApiframeCallback,

  async verify(headers, body, env) {
    const apiKey = env.APIFRAME_API_KEY;
    const signature = SIGNATURE.exec(headers.get("x-webhook-signature") ?? "")?.[1];
    if (!apiKey || !signature) return false;
    const raw = await body();
    return verifyHmacSha256(await sha256(apiKey), raw, signature);
  },

  upstreamId: (body) => {
    const parsed = ApiframeCallback.safeParse(body);
    return parsed.success ? parsed.data.jobId : null;
  },

  jobHint: (url) => url.searchParams.get("job"),
};
