/** A JSON value: what may cross a Durable Object RPC boundary and be stored. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
