/**
 * `@pushback/browser/channels` restates the protocol's channel frames (PROTOCOL.md §12) as plain
 * interfaces (src/channels/types.ts); these assertions fail the type check when they drift apart.
 */
import type * as P from "@pushback/protocol/types"
import { expectTypeOf, it } from "vitest"
import type * as T from "../src/channels/types.js"

it("restates the channel frames exactly", () => {
  expectTypeOf<T.Position>().toEqualTypeOf<P.StreamPosition>()
  expectTypeOf<T.PresenceMember>().toEqualTypeOf<P.PresenceMember>()
  expectTypeOf<T.StoredPublication>().toEqualTypeOf<P.Publication>()
  expectTypeOf<T.SubscribedFrame>().toEqualTypeOf<P.SubscribedFrame>()
  expectTypeOf<T.PublicationFrame>().toEqualTypeOf<P.PublicationFrame>()
  expectTypeOf<T.UnsubscribedFrame>().toEqualTypeOf<P.UnsubscribedFrame>()
  expectTypeOf<P.JoinFrame>().toExtend<T.JoinLeaveFrame>()
  expectTypeOf<P.LeaveFrame>().toExtend<T.JoinLeaveFrame>()
  expectTypeOf<T.JoinLeaveFrame & { type: "join" }>().toExtend<P.JoinFrame>()
  // Every channel frame is a server frame, and every frame the client sends one the server accepts.
  expectTypeOf<T.ChannelFrame>().toExtend<P.ServerFrame>()
  expectTypeOf<Extract<T.ChannelClientFrame, { type: "subscribe" }>>().toExtend<P.SubscribeFrame>()
  expectTypeOf<Extract<T.ChannelClientFrame, { type: "unsubscribe" }>>().toExtend<P.UnsubscribeFrame>()
  expectTypeOf<Extract<T.ChannelClientFrame, { type: "publish" }>>().toExtend<P.PublishFrame>()
  expectTypeOf<Extract<T.ChannelClientFrame, { type: "presence" }>>().toExtend<P.PresenceActionFrame>()
  expectTypeOf<T.ChannelFrame["type"]>().toEqualTypeOf<(typeof T.CHANNEL_EVENTS)[number]>()
})
