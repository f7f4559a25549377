/**
 * @pushback/protocol — the public contract of PushBack as Effect Schemas and TypeScript types.
 * Browser code should `import type` from `@pushback/protocol/types` to stay free of Effect.
 */
export * from "./Api.js"
export * from "./CloseCodes.js"
export * from "./Common.js"
export * from "./Errors.js"
export * from "./Frames.js"
export * from "./Limits.js"
export * from "./Notification.js"
