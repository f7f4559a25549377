/**
 * What a session is handed to write, and the encodings of a stream entry that every session of
 * its user shares. The hub hands one entry object to all of a user's sessions (tabs, devices),
 * so a transport encodes it the first time and reuses that for the others: bytes for WebSocket,
 * the event for SSE. A call's large body is one Buffer written to every recipient
 * (`sharedPieces`), never copied into each recipient's frame.
 */
import { NOTIFICATION_TAIL, type StreamEntry } from "../notify/Encode.js"

/**
 * A frame to write: JSON text (welcome, reset, replies), or a stream entry, which the hub
 * hands as the same object to every session of its user so that a transport can encode it
 * once for all of them (`entryBytes`, `encodedOnce`).
 */
export type Frame = string | StreamEntry

/**
 * One encoding of a stream entry, made the first time a session needs it and shared by every
 * other session it is written to (a user with several tabs and devices), then garbage with it.
 */
export const encodedOnce = <A>(encode: (entry: StreamEntry) => A) => {
  const cache = new WeakMap<StreamEntry, A>()
  return (entry: StreamEntry): A => {
    let encoded = cache.get(entry)
    if (encoded === undefined) {
      encoded = encode(entry)
      cache.set(entry, encoded)
    }
    return encoded
  }
}

/** A stream entry's frame as UTF-8 bytes, encoded once for all its sessions. */
export const entryBytes = encodedOnce((entry) => Buffer.from(entry.payload))

/**
 * From this size a call's shared body is written as its own piece. Below it one whole frame
 * per recipient costs less than the extra writes; above it, copying the body into every
 * recipient's frame is what costs (a 60 KB broadcast to 300 users made 36 MB of garbage).
 */
export const SHARED_BODY_MIN_BYTES = 2048

/**
 * A `notification` entry of a call with a large body as the pieces of its frame: the
 * recipient's head, the body's bytes (the same Buffer for every recipient of the call) and the
 * tail. Undefined for any other entry, which is written whole.
 */
export const sharedPieces = (entry: StreamEntry): readonly [string, Buffer, string] | undefined => {
  const parts = entry.notification
  if (parts === undefined || parts.body.text.length < SHARED_BODY_MIN_BYTES) return undefined
  return [parts.head, parts.body.bytes, NOTIFICATION_TAIL]
}
