/**
 * A field a body does not take, decoded strictly (`onExcessProperty: "error"`, as the server and
 * the Node SDK decode request bodies), is named with the closest known one (PROTOCOL.md §16).
 */
import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { closestName, editDistance } from "../src/internal/unknownField.js"
import { describeParseError, NotifyRequest, PutPreferencesRequest } from "../src/index.js"

const fail = (schema: Schema.Schema.AnyNoContext, input: unknown) => {
  const result = Schema.decodeUnknownEither(schema, { errors: "first", onExcessProperty: "error" })(input)
  if (Either.isRight(result)) throw new Error("accepted")
  return describeParseError(result.left)
}

describe("editDistance", () => {
  it("counts a missed, added, changed letter and a swapped pair as one edit each", () => {
    expect(editDistance("title", "title")).toBe(0)
    expect(editDistance("titel", "title")).toBe(1)
    expect(editDistance("sned", "send")).toBe(1)
    expect(editDistance("tile", "title")).toBe(1)
    expect(editDistance("titles", "title")).toBe(1)
    expect(editDistance("tutle", "title")).toBe(1)
    expect(editDistance("", "abc")).toBe(3)
    expect(editDistance("kitten", "sitting")).toBe(3)
  })
})

describe("closestName", () => {
  const known = ["users", "type", "title", "content", "url", "idempotencyKey"]
  it("guesses a close name, ignoring case, and none when every name is far", () => {
    expect(closestName("titel", known)).toBe("title")
    expect(closestName("Content", known)).toBe("content")
    expect(closestName("idempotencykey", known)).toBe("idempotencyKey")
    expect(closestName("user", known)).toBe("users")
    expect(closestName("zzzzzzzz", known)).toBeUndefined()
    expect(closestName("x", [])).toBeUndefined()
  })
})

describe("describeParseError on an unknown field", () => {
  it("names the field and the closest known one, at the root and nested", () => {
    expect(fail(NotifyRequest, { titel: "x", content: "c" })).toEqual({
      field: "titel",
      message: "unknown field titel; did you mean title?",
      unknown: { closest: "title" }
    })
    expect(fail(NotifyRequest, { content: "c", email: { sned: true } })).toEqual({
      field: "email.sned",
      message: "unknown field email.sned; did you mean email.send?",
      unknown: { closest: "email.send" }
    })
    expect(fail(NotifyRequest, { content: "c", users: ["a", { id: "b", emial: "b@example.com" }] })).toEqual({
      field: "users.1.emial",
      message: "unknown field users.1.emial; did you mean users.1.email?",
      unknown: { closest: "users.1.email" }
    })
    expect(fail(PutPreferencesRequest, { types: { like: { inapp: true } } }).message).toBe(
      "unknown field types.like.inapp; did you mean types.like.inApp?"
    )
  })

  it("lists the known names when none is close", () => {
    const issue = fail(NotifyRequest, { content: "c", zzzzzzzz: 1 })
    expect(issue.field).toBe("zzzzzzzz")
    expect(issue.unknown).toEqual({})
    expect(issue.message).toMatch(/^unknown field zzzzzzzz; known fields: users, /)
    expect(issue.message.split("known fields: ")[1]!.split(", ")).toEqual(Object.keys(NotifyRequest.fields))
  })

  it("leaves a lenient decode as it was: the extra field dropped", () => {
    const result = Schema.decodeUnknownEither(NotifyRequest)({ titel: "x", content: "c" })
    expect(Either.isRight(result) && result.right).toEqual({ content: "c" })
  })
})
