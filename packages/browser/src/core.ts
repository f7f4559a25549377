/**
 * `@pushback/browser/core`: the client's core without the browser around it, for
 * `@pushback/node`'s `subscribe`, which runs the same Connection (transport walk, backoff,
 * liveness, token refresh) and the same stream rule with `ws` and `eventsource` as its platform.
 * It is not the browser SDK's API: the store, tabs and actions stay in `createClient`. Re-exports only.
 */
export { type Code, Codes, type ConnectionState, type StateEvent, type TransportName } from "./Codes.js"
export type { ConnectionOptions } from "./Connection.js"
export { type Connection, type ConnectionHooks, runConnection } from "./internal/runConnection.js"
export { makeTokens, type Tokens } from "./internal/tokens.js"
export { type Platform, resolvePlatform } from "./Platform.js"
export { type Place, place } from "./Stream.js"
export type * from "./types.js"
