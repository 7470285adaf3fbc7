import { timingSafeEqual } from "../../lib/crypto";
import type { ProviderCallback } from "../types";
import { LeonardoCallback } from "./wire";

// Leonardo's completion callback is set up on the API key, with LEONARDO_WEBHOOK_TOKEN as its bearer token: the
// token is checked before the body is read.

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export const leonardoCallback: ProviderCallback = {
  schema: LeonardoCallback,

  async verify(headers, _body, env) {
    const token = env.LEONARDO_WEBHOOK_TOKEN;
    const presented = BEARER.exec(headers.get("authorization") ?? "")?.[1];
    return Boolean(token && presented && timingSafeEqual(presented, token));
  },

  upstreamId: (body) => {
    const parsed = LeonardoCallback.safeParse(body);
    return parsed.success ? parsed.data.data.object.id : null;
  },
};
