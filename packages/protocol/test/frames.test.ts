/**
 * The frame unions of PROTOCOL.md §4.1: exactly the frame types of the contract, and `type`
 * alone picks the one shape a frame is decoded with, so errors name that shape's field.
 */
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  ClientFrame,
  ConversationFrame,
  ConversationReadFrame,
  ErrorFrame,
  HelloFrame,
  JoinFrame,
  LeaveFrame,
  MarkActionFrame,
  MarkFrame,
  MessageFrame,
  NotificationFrame,
  PageActionFrame,
  PingFrame,
  PongFrame,
  PresenceActionFrame,
  PublicationFrame,
  PublishFrame,
  ReplyFrame,
  ResetFrame,
  ServerFrame,
  StreamEntryFrame,
  SubscribedFrame,
  SubscribeFrame,
  TypingActionFrame,
  TypingFrame,
  UnseenActionFrame,
  UnsubscribedFrame,
  UnsubscribeFrame,
  WelcomeFrame,
  describeParseError
} from "../src/index.js"
import { validFixtures } from "./loadFixtures.js"

type AnySchema = Schema.Schema.AnyNoContext

const server: Record<string, AnySchema> = {
  WelcomeFrame,
  NotificationFrame,
  MarkFrame,
  ResetFrame,
  ReplyFrame,
  ErrorFrame,
  PongFrame,
  MessageFrame,
  ConversationFrame,
  ConversationReadFrame,
  TypingFrame,
  SubscribedFrame,
  PublicationFrame,
  JoinFrame,
  LeaveFrame,
  UnsubscribedFrame
}
const client: Record<string, AnySchema> = {
  HelloFrame,
  MarkActionFrame,
  UnseenActionFrame,
  PageActionFrame,
  PingFrame,
  TypingActionFrame,
  SubscribeFrame,
  UnsubscribeFrame,
  PublishFrame,
  PresenceActionFrame
}

const fixturesOf = (names: ReadonlyArray<string>) => validFixtures().filter((f) => names.includes(f.schema))

const typeOf = (input: unknown): unknown => (input as { type?: unknown }).type

/** A union's top-level member schemas, with nested unions (MarkFrame, ReplyFrame) spread. */
const flatMembers = (schemas: ReadonlyArray<AnySchema>): ReadonlyArray<unknown> =>
  schemas.flatMap((s) => (Schema.isSchema(s) && "members" in s ? (s.members as ReadonlyArray<unknown>) : [s]))

const fieldOf = (schema: AnySchema, input: unknown): string => {
  const result = Schema.decodeUnknownEither(schema)(input)
  if (Either.isRight(result)) throw new Error(`accepted ${JSON.stringify(input)}`)
  return describeParseError(result.left).field
}

describe.each([
  {
    union: "ServerFrame",
    schema: ServerFrame,
    members: server,
    types: [
      "welcome",
      "notification",
      "seen",
      "read",
      "deleted",
      "reset",
      "reply",
      "error",
      "pong",
      "message",
      "conversation",
      "conversation_read",
      "typing",
      "subscribed",
      "publication",
      "join",
      "leave",
      "unsubscribed"
    ]
  },
  {
    union: "ClientFrame",
    schema: ClientFrame,
    members: client,
    types: [
      "hello",
      "seen",
      "read",
      "delete",
      "unseen",
      "page",
      "ping",
      "typing",
      "subscribe",
      "unsubscribe",
      "publish",
      "presence"
    ]
  }
])("$union", ({ schema, members, types }) => {
  it("is the flat union of its frame schemas, nothing more", () => {
    expect((schema as unknown as { members: ReadonlyArray<unknown> }).members).toEqual(
      flatMembers(Object.values(members))
    )
  })

  it("has fixtures for exactly the frame types of PROTOCOL §4.1", () => {
    const seen = new Set(fixturesOf(Object.keys(members)).map((f) => typeOf(f.input)))
    expect([...seen].sort()).toEqual([...types].sort())
  })

  it("decodes each frame with exactly one member schema, the one its fixture is filed under", () => {
    for (const fixture of fixturesOf(Object.keys(members))) {
      const accepting = Object.entries(members)
        .filter(([, member]) => Schema.is(member)(fixture.input))
        .map(([name]) => name)
      expect(accepting, fixture.file).toEqual([fixture.schema])
    }
  })

  it("refuses a frame of unknown or missing type at `type`", () => {
    expect(fieldOf(schema, { type: "subscribe_all" })).toBe("type")
    expect(fieldOf(schema, {})).toBe("type")
    expect(fieldOf(schema, { type: 7 })).toBe("type")
    expect(fieldOf(schema, null)).toBe("")
  })
})

describe("discrimination names the member's own field", () => {
  const unions = { ServerFrame, StreamEntryFrame, ClientFrame }

  it.each([
    ["ServerFrame", { type: "seen", seq: -1, ids: [] }, "seq"],
    ["ServerFrame", { type: "deleted", seq: 3, ids: "n1" }, "ids"],
    ["ServerFrame", { type: "welcome", user: "", session: "s", cursor: 1, unseen: 0 }, "user"],
    [
      "ServerFrame",
      { type: "reply", ref: "r1", ok: false, error: { code: "bad_request", message: 5 } },
      "error.message"
    ],
    ["ServerFrame", { type: "reply", ref: 1, ok: true, result: null }, "ref"],
    ["ServerFrame", { type: "reply", ref: "r1", ok: false }, "error"],
    ["ServerFrame", { type: "reset" }, "cursor"],
    ["StreamEntryFrame", { type: "read", seq: 2.5, ids: [] }, "seq"],
    ["ClientFrame", { type: "hello", token: "t", cursor: -1 }, "cursor"],
    ["ClientFrame", { type: "read", ids: [] }, "ids"],
    ["ClientFrame", { type: "delete", ids: ["n1"], ref: "" }, "ref"],
    ["ClientFrame", { type: "page", ref: "r3", limit: 0 }, "limit"],
    ["ClientFrame", { type: "unseen" }, "ref"]
  ] as const)("%s %j → %s", (union, input, field) => {
    expect(fieldOf(unions[union], input)).toBe(field)
  })

  it("keeps `ok` as the reply discriminant for TypeScript", () => {
    const reply = Schema.decodeUnknownSync(ReplyFrame)({
      type: "reply",
      ref: "r1",
      ok: false,
      error: { code: "not_found", message: "no such notification" }
    })
    // Narrowing on `ok` must compile: `error` exists only on the failure shape.
    const code = reply.ok ? undefined : reply.error.code
    expect(code).toBe("not_found")
  })
})
