import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type * as z from "./zod";
import { ApiError, type FieldError } from "./errors";

interface IssueList {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}

/** Zod issues as field errors with dotted paths ("gptImage2Params.width"). */
export function fieldErrors(error: IssueList): FieldError[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join(".") || "(body)",
    message: issue.message,
  }));
}

/** The one validation hook: every surface's zod validation failure becomes the same ApiError. */
export function validationHook(result: { success: true } | { success: false; error: IssueList }): void {
  if (result.success) return;
  const errors = fieldErrors(result.error);
  const detail = errors.map((e) => (e.path === "(body)" ? e.message : `${e.path}: ${e.message}`)).join("; ");
  throw new ApiError("invalid_request", detail, { errors });
}

export interface Validated {
  target: keyof ValidationTargets;
  schema: z.ZodMiniType;
}

// What each validate(...) middleware checks, so the OpenAPI document is made from the very schemas that validate.
const validatedBy = new WeakMap<object, Validated>();

/** The target and schema a route handler validates, when it is a `validate(...)` middleware. */
export const validatorOf = (handler: object): Validated | undefined => validatedBy.get(handler);

/** zValidator with the shared hook: `validate("json", Schema)` in a route's middleware. */
export const validate = <T extends z.ZodMiniType, Target extends keyof ValidationTargets>(target: Target, schema: T) => {
  const middleware = zValidator(target, schema, validationHook);
  validatedBy.set(middleware, { target, schema });
  return middleware;
};
