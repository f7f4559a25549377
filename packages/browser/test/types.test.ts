/**
 * The SDK restates the protocol's wire types as plain interfaces (see src/types.ts). These
 * assertions make `tsc --noEmit` (the typecheck task) fail the moment they drift apart.
 */
import type * as P from "@pushback/protocol/types"
import { expectTypeOf, it } from "vitest"
import type * as C from "../src/chatTypes.js"
import type * as T from "../src/types.js"

it("restates the protocol's wire types exactly", () => {
  expectTypeOf<T.Notification>().toEqualTypeOf<P.Notification>()
  expectTypeOf<T.WelcomeFrame>().toEqualTypeOf<P.WelcomeFrame>()
  expectTypeOf<T.NotificationFrame>().toEqualTypeOf<P.NotificationFrame>()
  expectTypeOf<T.ResetFrame>().toEqualTypeOf<P.ResetFrame>()
  expectTypeOf<T.ErrorFrame>().toEqualTypeOf<P.ErrorFrame>()
  expectTypeOf<T.Counts>().toEqualTypeOf<P.Counts>()
  expectTypeOf<T.NotificationList>().toEqualTypeOf<P.NotificationList>()
  // A mark frame is one struct per type in the protocol; the SDK folds them into one.
  expectTypeOf<P.MarkFrame>().toExtend<T.MarkFrame>()
  expectTypeOf<T.MarkFrame["type"]>().toEqualTypeOf<P.MarkFrame["type"]>()
  expectTypeOf<P.ServerFrame>().toExtend<T.ServerFrame>()
  expectTypeOf<T.ServerFrame["type"]>().toEqualTypeOf<P.ServerFrame["type"]>()
  // Every frame the SDK sends is one the server accepts.
  expectTypeOf<Exclude<T.ClientFrame, { type: "seen" | "read" | "delete" }>>().toExtend<P.ClientFrame>()
  expectTypeOf<{ type: "read"; ids: readonly [string, ...string[]]; ref: string }>().toExtend<P.ClientFrame>()
})

it("restates the chat's wire types exactly (PROTOCOL.md §13)", () => {
  expectTypeOf<C.Conversation>().toEqualTypeOf<P.Conversation>()
  expectTypeOf<C.ConversationMember>().toEqualTypeOf<P.ConversationMember>()
  expectTypeOf<C.Message>().toEqualTypeOf<P.Message>()
  expectTypeOf<C.MyConversation>().toEqualTypeOf<P.MyConversation>()
  expectTypeOf<C.MessageFrame>().toEqualTypeOf<P.MessageFrame>()
  expectTypeOf<C.ConversationFrame>().toEqualTypeOf<P.ConversationFrame>()
  expectTypeOf<C.ConversationReadFrame>().toEqualTypeOf<P.ConversationReadFrame>()
  expectTypeOf<C.TypingFrame>().toEqualTypeOf<P.TypingFrame>()
  // What `@pushback/browser/chat` sends over WebSocket is a frame the server accepts.
  expectTypeOf<{ type: "typing"; conversation: string }>().toExtend<P.ClientFrame>()
})
