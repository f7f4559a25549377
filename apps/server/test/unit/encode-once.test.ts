/**
 * Encode once, frame once: the hub hands one stream entry object to every session of its
 * user, and a transport's encoding of it (bytes for WebSocket, the event for SSE) is made the
 * first time and shared by the others.
 */
import { expect, it } from "vitest"
import { encodedOnce, entryBytes, type Frame } from "../../src/stream/frames.js"
import { makeSession } from "../../src/stream/Session.js"
import { makeSessions } from "../../src/stream/Sessions.js"

it("gives every session of a user the same bytes for one entry, encoded once", () => {
  const hub = makeSessions()
  const got: Array<Buffer> = []
  for (let i = 0; i < 3; i++) {
    const session = makeSession({
      app: "app_a",
      user: "u",
      transport: "ws",
      appSecret: "secret",
      supportsClientActions: true,
      write: (frame: Frame) => {
        if (typeof frame !== "string") got.push(entryBytes(frame))
      },
      close: () => undefined
    })
    hub.add(session)
  }
  const payload = '{"type":"seen","seq":1,"ids":["ntf_x"]}'
  hub.deliver("app_a", [{ user: "u", seq: 1, payload }])
  expect(got).toHaveLength(3)
  expect(got[1]).toBe(got[0])
  expect(got[2]).toBe(got[0])
  expect(got[0]!.toString()).toBe(payload)
})

it("runs an encoding once per entry, however many sessions ask", () => {
  let runs = 0
  const encode = encodedOnce((entry) => {
    runs++
    return `event ${entry.seq}`
  })
  const entry = { user: "u", seq: 7, payload: "{}" }
  expect([encode(entry), encode(entry), encode(entry)]).toEqual(["event 7", "event 7", "event 7"])
  expect(runs).toBe(1)
  encode({ ...entry })
  expect(runs).toBe(2)
})
