/**
 * Types-only entry: every protocol type, with no runtime code, so browser bundles can
 * `import type { … } from "@pushback/protocol/types"` without pulling in Effect.
 */
export type * from "./Api.js"
export type * from "./Channels.js"
export type * from "./Conversations.js"
export type * from "./NotifyApi.js"
export type * from "./PushApi.js"
export type * from "./Errors.js"
export type * from "./Frames.js"
export type * from "./Notification.js"
export type * from "./Topics.js"
export type * from "./Webhooks.js"
export type { Limits } from "./Limits.js"
export type { ClientCode, CloseCode } from "./Codes.js"
