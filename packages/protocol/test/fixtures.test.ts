/**
 * The golden fixtures against the schemas: every exported schema has fixtures, every valid
 * fixture decodes (and encodes back to the same wire value), every invalid one is refused and
 * `describeParseError` names the field the fixture expects.
 */
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import * as Protocol from "../src/index.js"
import { describeParseError } from "../src/index.js"
import { schemaSyntaxIn } from "../../testkit/src/messages.js"
import { type InvalidFixture, type ValidFixture, invalidFixtures, validFixtures } from "./loadFixtures.js"

type AnySchema = Schema.Schema.AnyNoContext

/** Every schema the package exports, by export name: a new export needs fixtures. */
const schemas: ReadonlyMap<string, AnySchema> = new Map(
  Object.entries(Protocol).flatMap(([name, value]) =>
    Schema.isSchema(value) ? [[name, value as AnySchema] as const] : []
  )
)

/** Unions whose members' fixtures also count as theirs (the members carry the fixtures). */
export const unionMembers: Readonly<Record<string, ReadonlyArray<string>>> = {
  ServerFrame: [
    "WelcomeFrame",
    "NotificationFrame",
    "MarkFrame",
    "ResetFrame",
    "ReplyFrame",
    "ErrorFrame",
    "PongFrame",
    "MessageFrame",
    "ConversationFrame",
    "ConversationReadFrame",
    "TypingFrame",
    "SubscribedFrame",
    "PublicationFrame",
    "JoinFrame",
    "LeaveFrame",
    "UnsubscribedFrame"
  ],
  StreamEntryFrame: [
    "NotificationFrame",
    "MarkFrame",
    "MessageFrame",
    "ConversationFrame",
    "ConversationReadFrame"
  ],
  ClientFrame: [
    "HelloFrame",
    "MarkActionFrame",
    "UnseenActionFrame",
    "PageActionFrame",
    "PingFrame",
    "TypingActionFrame",
    "SubscribeFrame",
    "UnsubscribeFrame",
    "PublishFrame",
    "PresenceActionFrame"
  ]
}

/** Schemas that accept every value, so no invalid fixture can exist. */
const acceptsAnything = new Set(["Json"])

const valid = validFixtures()
const invalid = invalidFixtures()

const schemaOf = (name: string): AnySchema => {
  const schema = schemas.get(name)
  if (schema === undefined) throw new Error(`no exported schema named ${name}`)
  return schema
}

// A request body strictly, as the server and the Node SDK decode one: a field the schema does
// not take is refused (PROTOCOL.md §16).
const decode = (name: string, input: unknown) =>
  Schema.decodeUnknownEither(schemaOf(name), {
    onExcessProperty: name.endsWith("Request") ? "error" : "ignore"
  })(input)

/** The fixtures that apply to a schema: its own and, for a union, its members'. */
const fixturesFor = <F extends ValidFixture>(fixtures: ReadonlyArray<F>, name: string): ReadonlyArray<F> =>
  fixtures.filter((f) => f.schema === name || (unionMembers[name] ?? []).includes(f.schema))

const expectRefused = (schemaName: string, fixture: InvalidFixture) => {
  const result = decode(schemaName, fixture.input)
  if (Either.isRight(result)) {
    throw new Error(`${fixture.file}: ${schemaName} accepted it as ${JSON.stringify(result.right)}`)
  }
  const issue = describeParseError(result.left)
  expect(issue.field, `${fixture.file} via ${schemaName}: ${issue.message}`).toBe(fixture.path)
  expect(issue.message.length).toBeGreaterThan(0)
  // plain words, short, whatever the input
  expect(schemaSyntaxIn(issue.message), `${fixture.file}: ${issue.message}`).toBeUndefined()
  expect(issue.message.length, `${fixture.file}: ${issue.message}`).toBeLessThan(200)
}

describe("fixture coverage", () => {
  it("finds the exported schemas", () => {
    expect(schemas.size).toBeGreaterThan(40)
    for (const name of ["NotifyRequest", "ServerFrame", "ClientFrame", "PollResponse", "ErrorBody"]) {
      expect(schemas.has(name), name).toBe(true)
    }
  })

  it.each([...schemas.keys()])("%s has at least one valid fixture", (name) => {
    expect(fixturesFor(valid, name).length).toBeGreaterThan(0)
  })

  it.each([...schemas.keys()].filter((name) => !acceptsAnything.has(name)))(
    "%s has at least one invalid fixture",
    (name) => {
      expect(fixturesFor(invalid, name).length).toBeGreaterThan(0)
    }
  )

  it("names only exported schemas", () => {
    const unknown = [...valid, ...invalid].filter((f) => !schemas.has(f.schema)).map((f) => f.file)
    expect(unknown).toEqual([])
    for (const [union, members] of Object.entries(unionMembers)) {
      expect(schemas.has(union), union).toBe(true)
      for (const member of members) expect(schemas.has(member), member).toBe(true)
    }
  })
})

describe("valid fixtures", () => {
  it.each(valid.map((f) => [f.file, f] as const))("%s decodes and encodes back", (_, fixture) => {
    const result = decode(fixture.schema, fixture.input)
    if (Either.isLeft(result)) {
      const issue = describeParseError(result.left)
      throw new Error(`${fixture.file}: ${issue.field || "(root)"}: ${issue.message}`)
    }
    expect(Schema.encodeSync(schemaOf(fixture.schema))(result.right)).toEqual(fixture.input)
  })
})

describe("invalid fixtures", () => {
  it.each(invalid.map((f) => [`${f.file} → "${f.path}"`, f] as const))("%s", (_, fixture) => {
    expectRefused(fixture.schema, fixture)
  })
})

describe("unions take their members' fixtures", () => {
  const cases = Object.entries(unionMembers).flatMap(([union, members]) =>
    members.map((member) => [union, member] as const)
  )

  it.each(cases)("%s accepts every valid %s fixture as is", (union, member) => {
    for (const fixture of valid.filter((f) => f.schema === member)) {
      const viaMember = Schema.decodeUnknownSync(schemaOf(member))(fixture.input)
      expect(Schema.decodeUnknownSync(schemaOf(union))(fixture.input), fixture.file).toEqual(viaMember)
    }
  })

  it.each(cases)("%s refuses every invalid %s fixture at the same field", (union, member) => {
    for (const fixture of invalid.filter((f) => f.schema === member)) expectRefused(union, fixture)
  })
})

describe("PollResponse", () => {
  it("carries every server frame fixture", () => {
    const frames = fixturesFor(valid, "ServerFrame").map((f) => f.input)
    const decoded = Schema.decodeUnknownSync(Protocol.PollResponse)({ frames, cursor: 45 })
    expect(decoded.frames).toEqual(frames)
  })
})
