import type { Context } from "hono";
import * as z from "zod";
import type { ResponseDoc } from "../../docs/registry";
import type { AppEnv } from "../../env";
import { REASONS, asApiError, type Reason } from "../../lib/errors";

const CODES = Object.keys(REASONS) as [Reason, ...Reason[]];

/** The native error envelope, RFC 9457 problem+json; members beyond these (e.g. on a 402) are reason-specific. */
export const Problem = z
  .looseObject({
    type: z.string().meta({ description: "`urn:imagegate:problem:<code>`" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: "What went wrong and what to change, in words a person can act on." }),
    code: z.enum(CODES).meta({ description: "A stable machine-readable reason." }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "One entry per invalid field (on 400 invalid_request)." }),
    requestId: z.string(),
  })
  .meta({ id: "Problem" });

/** The native surface's one error renderer: RFC 9457 problem+json. */
export function renderProblem(err: unknown, c: Context<AppEnv>): Response {
  const e = asApiError(err);
  const body: z.infer<typeof Problem> = {
    type: `urn:imagegate:problem:${e.reason}`,
    title: REASONS[e.reason].title,
    status: e.status,
    detail: e.message,
    code: e.reason,
    ...(e.errors ? { errors: e.errors } : {}),
    ...e.extra,
    requestId: c.get("requestId"),
  };
  return new Response(JSON.stringify(body), {
    status: e.status,
    headers: { ...e.headers, "Content-Type": "application/problem+json" },
  });
}

// Documentation: an example detail for the reasons routes commonly answer with.
const EXAMPLE_DETAIL: Partial<Record<Reason, { detail: string; errors?: { path: string; message: string }[] }>> = {
  invalid_request: {
    detail: "gptImage2Params.width: width 3840 is too large: gpt-image-2 needs max(width, height) < 3840",
    errors: [{ path: "gptImage2Params.width", message: "width 3840 is too large: gpt-image-2 needs max(width, height) < 3840" }],
  },
  unauthorized: { detail: "This API key is not valid." },
  forbidden: { detail: "This private file has a signed URL that has expired; read the job again for a fresh URL." },
  not_found: { detail: "No job 0f8c2b6e-3a41-4d2e-9b7a-5c1d2e3f4a5b." },
  model_retired: { detail: "gpt-image-1.5 was retired on 2026-12-01; use gpt-image-2 instead." },
  payload_too_large: { detail: "The JSON body is larger than 1048576 bytes." },
  unsupported_media_type: { detail: "Send the body as application/json (got text/plain)." },
  no_provider: {
    detail: "No provider can serve this request: leonardo is not configured; apiframe takes only the preset sizes, not 2048x1152",
    errors: [
      { path: "provider.leonardo", message: "leonardo is not configured" },
      { path: "provider.apiframe", message: "apiframe takes only the preset sizes, not 2048x1152" },
    ],
  },
};

/** Problem responses for a route's doc(...): `...problems(400, 401)`. */
export function problems(...statuses: number[]): Record<number, ResponseDoc> {
  const out: Record<number, ResponseDoc> = {};
  for (const status of statuses) {
    const reasons = CODES.filter((r) => REASONS[r].status === status);
    const reason = reasons.find((r) => EXAMPLE_DETAIL[r]) ?? reasons[0];
    if (!reason) throw new Error(`No problem reason has status ${status}.`);
    const { detail, errors } = EXAMPLE_DETAIL[reason] ?? { detail: REASONS[reason].title };
    out[status] = {
      description: reasons.map((r) => REASONS[r].title).join(" / "),
      schema: Problem,
      contentType: "application/problem+json",
      example: { type: `urn:imagegate:problem:${reason}`, title: REASONS[reason].title, status, detail, code: reason, ...(errors ? { errors } : {}), requestId: "req_5f2c0a9e1b7d4c3a" },
    };
  }
  return out;
}
