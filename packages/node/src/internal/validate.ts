/**
 * Checks caller input against the protocol schemas before anything is sent, so a bad call
 * fails fast with the same `400 bad_request` the server would answer, and never reaches the
 * network (nor burns a retry budget on a request that can only be refused).
 */
import { Either, type ParseResult, Schema } from "effect"
import { describeParseError } from "@pushback/protocol"
import { badRequest, PushBackError } from "../errors.js"

const strict = { errors: "first", onExcessProperty: "error" } as const

/**
 * Decodes `input` with `schema` or throws `PushBackError(400, bad_request)` naming the field.
 * Unknown properties are refused: in a typed call they are typos that would be dropped silently.
 * `prefix` is the field path of `input` in the request (e.g. `"users"`).
 */
export const validate = <A, I>(schema: Schema.Schema<A, I>, input: unknown, prefix = ""): A => {
  const result = Schema.decodeUnknownEither(schema, strict)(input)
  if (Either.isRight(result)) return result.right
  throw toBadRequest(result.left, prefix)
}

/**
 * Encodes `input` (the schema's decoded side, e.g. numbers) to its wire form (e.g. query
 * strings), checking it on the way; throws `PushBackError(400, bad_request)` when invalid.
 */
export const encodeValid = <A, I>(schema: Schema.Schema<A, I>, input: unknown, prefix = ""): I => {
  const result = Schema.encodeUnknownEither(schema, strict)(input)
  if (Either.isRight(result)) return result.right
  throw toBadRequest(result.left, prefix)
}

const toBadRequest = (error: ParseResult.ParseError, prefix: string) => {
  const issue = describeParseError(error)
  const field = [prefix, issue.field].filter((part) => part !== "").join(".")
  if (issue.unknown === undefined) return badRequest(field, issue.message)
  // An unknown field: the message names it and the closest known one, as the server's does (§16).
  const { closest } = issue.unknown
  return new PushBackError({
    status: 400,
    code: "bad_request",
    message: issue.message,
    details: closest === undefined ? { field } : { field, closest }
  })
}
