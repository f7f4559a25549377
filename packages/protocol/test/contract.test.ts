/**
 * The constants of the contract, checked against the numbers PROTOCOL.md states: limits (§5),
 * WebSocket close codes (§4) and the HTTP status of every error code (§3.5).
 */
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  ClientFrame,
  CloseCodes,
  DefaultLimits,
  ErrorCode,
  ErrorStatus,
  ListQuery,
  NotifyRequest,
  RegisterUsersRequest,
  TokenRequest,
  describeParseError
} from "../src/index.js"

describe("DefaultLimits (PROTOCOL §5)", () => {
  it.each([
    ["requestBodyBytes", 256 * 1024],
    ["notificationBytes", 64 * 1024],
    ["usersPerNotify", 10_000],
    ["wsFrameBytes", 16 * 1024],
    ["sessionQueueBytes", 1024 * 1024],
    ["tokenTtlSeconds", 60 * 60],
    ["maxTokenTtlSeconds", 24 * 60 * 60],
    ["retentionDays", 7],
    ["retentionEntries", 10_000],
    ["notifyPerSecond", 1_000],
    ["idempotencyTtlSeconds", 24 * 60 * 60],
    ["maxUserIdLength", 128],
    ["maxPageLimit", 100],
    ["heartbeatSeconds", 25],
    ["deadPeerSeconds", 60],
    ["pollWaitSeconds", 25]
  ] as const)("%s = %d", (key, value) => {
    expect(DefaultLimits[key]).toBe(value)
  })

  it("bounds the schemas by the same numbers", () => {
    const users = Array.from({ length: DefaultLimits.usersPerNotify + 1 }, (_, i) => `u${i}`)
    const tooMany = Schema.decodeUnknownEither(NotifyRequest)({ users, content: "hi" })
    expect(Either.isLeft(tooMany) && describeParseError(tooMany.left).field).toBe("users")
    expect(Schema.is(NotifyRequest)({ users: users.slice(1), content: "hi" })).toBe(true)
    expect(Schema.is(TokenRequest)({ user: "a", ttlSeconds: DefaultLimits.maxTokenTtlSeconds })).toBe(true)
    expect(Schema.is(TokenRequest)({ user: "a", ttlSeconds: DefaultLimits.maxTokenTtlSeconds + 1 })).toBe(
      false
    )
  })
})

describe("CloseCodes (PROTOCOL §4)", () => {
  it("are the codes of the contract", () => {
    expect(CloseCodes).toEqual({
      Normal: 1000,
      GoingAway: 1001,
      InvalidData: 1007,
      MessageTooBig: 1009,
      Unauthorized: 4001,
      Policy: 4008,
      TokenExpired: 4009,
      MalformedFrame: 4400
    })
  })

  it("are distinct", () => {
    const codes = Object.values(CloseCodes)
    expect(new Set(codes).size).toBe(codes.length)
  })
})

describe("ErrorStatus (PROTOCOL §3.5)", () => {
  const expected = {
    bad_request: 400,
    unauthorized: 401,
    forbidden: 403,
    not_found: 404,
    conflict: 409,
    payload_too_large: 413,
    rate_limited: 429,
    unavailable: 503,
    internal: 500
  }

  it("maps each code to its status", () => {
    expect(ErrorStatus).toEqual(expected)
  })

  it("covers exactly the codes ErrorCode accepts", () => {
    expect([...ErrorCode.literals].sort()).toEqual(Object.keys(expected).sort())
  })
})

describe("describeParseError", () => {
  const fail = (schema: Schema.Schema.AnyNoContext, input: unknown) => {
    const result = Schema.decodeUnknownEither(schema)(input)
    if (Either.isRight(result)) throw new Error("accepted")
    return describeParseError(result.left)
  }

  it("names the root as the empty path", () => {
    expect(fail(NotifyRequest, "hi").field).toBe("")
  })

  it("joins nested paths with dots and keeps a message", () => {
    const issue = fail(NotifyRequest, {
      users: ["alice", { id: "x".repeat(129) }],
      content: "hi"
    })
    expect(issue).toEqual({ field: "users.1.id", message: "must be at most 128 characters" })
  })

  // Issue 16: each of these printed the schema, or named one valid value, or echoed the input.
  it("says in plain words what was expected, every valid value of an enum, a short excerpt", () => {
    expect(fail(NotifyRequest, { users: "alice", content: "hi" })).toEqual({
      field: "users",
      message:
        'must be an array of at most 10000 items, each a string of 1-128 characters or an object {id, email?, name?}, got "alice"'
    })
    expect(fail(ListQuery, { status: "bogus" })).toEqual({
      field: "status",
      message: 'must be one of: all, unseen, unread, read, got "bogus"'
    })
    const many = fail(NotifyRequest, { users: Array.from({ length: 10_001 }, (_, i) => `u${i}`), content: 1 })
    expect(many).toEqual({
      field: "users",
      message: "must have at most 10000 items, got an array of 10001 items"
    })
    const long = fail(RegisterUsersRequest, { users: [{ id: "a", email: "e".repeat(5000) }] })
    expect(long.field).toBe("users.0.email")
    expect(long.message).toBe(
      'must be at most 320 characters long, got "eeeeeeeeeeeeeeeeeeeeeeee…" (5000 characters)'
    )
    expect(fail(ClientFrame, { type: "nope" }).message).toBe(
      'must be one of: hello, seen, read, delete, unseen, page, ping, typing, subscribe, unsubscribe, publish, presence, got "nope"'
    )
    expect(fail(NotifyRequest, { content: "x", email: { send: "yes" } })).toEqual({
      field: "email.send",
      message: 'must be true or false, got "yes"'
    })
  })
})
