import { ApiError } from "../../lib/errors";

// The callbacks' own refusals, beside routes.ts so that routes.docs.ts can show them without importing the routes.

export const refused = (): ApiError => new ApiError("unauthorized", "The callback's credentials do not match.");
export const tooLarge = (): ApiError => new ApiError("payload_too_large", "A callback body is at most 1 MB.");
