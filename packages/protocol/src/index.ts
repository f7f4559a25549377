/**
 * @pushback/protocol — the public contract of PushBack as Effect Schemas and TypeScript types.
 * Browser code should `import type` from `@pushback/protocol/types` to stay free of Effect, and
 * take the close and state codes as values from `@pushback/protocol/codes`, which has no dependencies.
 */
export * from "./Api.js"
export * from "./Channels.js"
export * from "./NotifyApi.js"
export * from "./PushApi.js"
export * from "./Codes.js"
export * from "./Common.js"
export * from "./Conversations.js"
export * from "./Errors.js"
export * from "./Frames.js"
export * from "./Limits.js"
export * from "./Notification.js"
export * from "./Topics.js"
export * from "./Webhooks.js"
