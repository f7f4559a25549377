/**
 * The SDK restates the protocol's wire types as plain interfaces (see src/types.ts). These
 * assertions make `tsc --noEmit` (the typecheck task) fail the moment they drift apart.
 */
import type * as P from "@pushback/protocol/types"
import { expectTypeOf, it } from "vitest"
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
