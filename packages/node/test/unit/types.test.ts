/**
 * The public types, checked by `tsc` (`pnpm typecheck`): what a call needs and what it answers.
 */
import { describe, expectTypeOf, it } from "vitest"
import {
  type NotificationList,
  type NotifyResponse,
  PushBack,
  type PushBackAdmin,
  type PushBackError,
  type PushBackErrorCode,
  type UserDetail
} from "../../src/index.js"
import { SECRET, URL_ } from "./fakeFetch.js"

describe("public types", () => {
  const pb = new PushBack({ url: URL_, secret: SECRET })

  it("answers are the protocol's types", () => {
    expectTypeOf(pb.notify).returns.resolves.toEqualTypeOf<NotifyResponse>()
    expectTypeOf(pb.getUser).returns.resolves.toEqualTypeOf<UserDetail>()
    expectTypeOf(pb.listNotifications).returns.resolves.toEqualTypeOf<NotificationList>()
    expectTypeOf(pb.createUserToken).returns.toEqualTypeOf<string>()
    expectTypeOf(PushBack.admin).returns.toEqualTypeOf<PushBackAdmin>()
    expectTypeOf(pb.removeUser).returns.resolves.toBeVoid()
  })

  it("errors carry status, code, message and details", () => {
    expectTypeOf<PushBackError["status"]>().toEqualTypeOf<number>()
    expectTypeOf<PushBackError["code"]>().toEqualTypeOf<PushBackErrorCode>()
    expectTypeOf<"rate_limited">().toExtend<PushBackErrorCode>()
    expectTypeOf<"timeout">().toExtend<PushBackErrorCode>()
  })

  it("refuses calls the server would refuse", () => {
    // @ts-expect-error content is required
    void (() => pb.notify({ users: ["alice"] }))
    // @ts-expect-error an unknown status filter
    void (() => pb.listNotifications("alice", { status: "new" }))
    // @ts-expect-error the secret is required
    void (() => new PushBack({ url: URL_ }))
    // @ts-expect-error users are ids or { id, email?, name? }
    void (() => pb.registerUsers([{ email: "x@example.com" }]))
    // @ts-expect-error a typo: the server refuses a field it does not take (PROTOCOL.md §16)
    void (() => pb.notify({ titel: "x", content: "c" }))
    // @ts-expect-error also inside the email block
    void (() => pb.notify({ content: "c", email: { sned: true } }))
  })
})
