/**
 * A session for the hub's unit tests (sessions-*.test.ts) whose transport records the frames it
 * takes: one helper instead of a copy per file. `takes` decides whether the transport takes a
 * frame (a dropped one answers false, as a closing socket or a slow consumer does).
 */
import type { TransportName } from "../../src/stream/Session.js"
import { makeSession } from "../../src/stream/Session.js"

/** Options of a recording session; every field has a default (app `a`, user `u`, over WebSocket). */
export interface RecordingOptions {
  readonly user?: string
  readonly transport?: TransportName
  readonly takes?: (payload: string) => boolean
}

/** A session of app `a` and the payloads its transport took, in order. */
export const recordingSession = ({
  user = "u",
  transport = "ws",
  takes = () => true
}: RecordingOptions = {}) => {
  const written: Array<string> = []
  const s = makeSession({
    app: "a",
    user,
    transport,
    appSecret: "secret",
    supportsClientActions: transport === "ws",
    write: (frame) => {
      const payload = typeof frame === "string" ? frame : frame.payload
      if (!takes(payload)) return false
      written.push(payload)
      return true
    },
    close: () => undefined
  })
  return { s, written }
}
