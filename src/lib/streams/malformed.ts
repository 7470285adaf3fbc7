/** A streamed answer that breaks its format (bad JSON, bad base64, an event cut off); the readers throw it. */
export class MalformedAnswer extends Error {}
