/**
 * The hub's order guarantee when commits run at once (PostgreSQL): an entry that arrives
 * before the one it follows is held until that one comes, so a session writes every seq once,
 * in order; if it never comes, the held entries are written after a second, as before.
 */
import { expect, it } from "vitest"
import { offer } from "../../src/stream/Session.js"
import { recordingSession } from "./recordingSession.js"

const entry = (seq: number) => ({ user: "u", seq, payload: `e${seq}` })

it("holds entries that come early and writes them in seq order once the gap fills", () => {
  const { s, written } = recordingSession()
  for (const seq of [1, 3, 5, 2, 4, 4, 6]) offer(s, entry(seq))
  expect(written).toEqual(["e1", "e2", "e3", "e4", "e5", "e6"])
  // Nothing held any more: back from `holding` to `live`.
  expect(s.phase).toEqual({ _tag: "live" })
})

it("writes held entries after a second when the missing one never arrives", async () => {
  const { s, written } = recordingSession()
  offer(s, entry(1))
  offer(s, entry(3))
  offer(s, entry(4))
  expect(written).toEqual(["e1"])
  await new Promise((r) => setTimeout(r, 1100))
  expect(written).toEqual(["e1", "e3", "e4"])
  offer(s, entry(2)) // late: already passed
  offer(s, entry(5))
  expect(written).toEqual(["e1", "e3", "e4", "e5"])
})
