/**
 * `@pushback/browser`: real-time notifications for the browser. Re-exports only.
 */
export { backoff } from "./Backoff.js"
export { createClient } from "./Client.js"
export { type Code, Codes, type ConnectionState, type StateEvent, type TransportName } from "./Codes.js"
export type { ConnectionOptions } from "./Connection.js"
export type { LockManagerLike, OnlineWatcher, Platform } from "./Platform.js"
export { PushBack, type PushBackStatic } from "./PushBack.js"
export { PushBackError } from "./PushBackError.js"
export type { PushBackClient, PushBackEvents, PushBackOptions } from "./PushBackClient.js"
export type { NotificationStore, Snapshot } from "./Store.js"
export type { ConnectParams, Transport, TransportHandlers } from "./Transport.js"
export type * from "./types.js"
