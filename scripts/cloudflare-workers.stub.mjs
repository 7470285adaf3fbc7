// `cloudflare:workers` for building the OpenAPI document under Node (scripts/reference.mjs): the Durable Object classes
// extend DurableObject, and building the document defines them without constructing one.
export class DurableObject {}
