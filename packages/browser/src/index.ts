/**
 * `@pushback/browser`: real-time notifications for the browser. Re-exports only.
 */
export { backoff } from "./Backoff.js"
export { createClient, type PushBackClient, type PushBackEvents, type PushBackOptions } from "./Client.js"
export { type Code, Codes, type ConnectionState, type StateEvent, type TransportName } from "./Codes.js"
export type { LockManagerLike, OnlineWatcher, Platform } from "./Platform.js"
export { PushBack, type PushBackStatic } from "./PushBack.js"
export { PushBackError } from "./PushBackError.js"
export type { NotificationStore, Snapshot } from "./Store.js"
export type { ConnectParams, Transport, TransportHandlers } from "./Transport.js"
export type * from "./types.js"
