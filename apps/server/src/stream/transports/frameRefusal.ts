/**
 * Why a WebSocket client frame was refused, in words the client can act on (PROTOCOL.md §16):
 * the server sends it as an `error` frame before closing with 4400, so a client sees which
 * type it sent that does not exist (`unknown frame type "subscribe"`), which field of a known
 * type was wrong, or that the text was not JSON. Only computed for a refused frame.
 */
import { ClientFrame, describeParseError } from "@pushback/protocol"
import { Either, Schema } from "effect"

/** The client frame types: each member of `ClientFrame` (§4.1's, and those of §12, §13…) names its own. */
const TYPES: ReadonlyArray<string> = [
  ...new Set(
    ClientFrame.members.flatMap((member) => {
      const type = member.fields.type as unknown as { readonly literals: ReadonlyArray<unknown> }
      return type.literals.map(String)
    })
  )
]

const strict = Schema.decodeUnknownEither(ClientFrame, { errors: "first" })

/** A short, safe excerpt of a value the client sent. */
const excerpt = (value: string): string =>
  JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)

/** The sentence for a frame that did not decode (`text` as received). */
export const frameRefusal = (text: string): string => {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return `malformed JSON frame: ${e instanceof Error ? e.message : String(e)}`.slice(0, 200)
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "a frame must be a JSON object with a type"
  }
  const type = (value as Record<string, unknown>)["type"]
  if (typeof type !== "string") return "a frame must have a string type"
  if (!TYPES.includes(type)) {
    return `unknown frame type ${excerpt(type)}; client frames are ${TYPES.join(", ")}`
  }
  const result = (() => {
    try {
      return strict(value)
    } catch {
      return undefined
    }
  })()
  if (result === undefined || Either.isRight(result)) return `malformed ${type} frame`
  const issue = describeParseError(result.left)
  return `malformed ${type} frame: ${issue.field === "" ? "" : `${issue.field}: `}${issue.message}`.slice(
    0,
    200
  )
}

/** The `error` frame sent before a 4400 close: code `bad_request` and the refusal. */
export const refusalFrame = (message: string): string =>
  JSON.stringify({ type: "error", code: "bad_request", message })

/** `message` cut to fit a close frame's reason (at most 123 bytes of UTF-8). */
export const closeReason = (message: string): string => {
  let reason = message
  while (Buffer.byteLength(reason) > 120) reason = reason.slice(0, -1)
  return reason
}
