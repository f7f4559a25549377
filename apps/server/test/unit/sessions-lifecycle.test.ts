/**
 * A session's lifecycle (stream/Session.ts): `catchingUp` holds live entries until the backlog
 * is sent and then writes them once, in order; a session closed before it joins the hub (its
 * client went away while the stream was opening) never enters it; one closed while its backlog
 * is read stops being written; and a first delivery is recorded only for a frame the transport
 * took.
 */
import { expect, it } from "vitest"
import { makeReceipts } from "../../src/stream/Receipts.js"
import type { Receipt } from "../../src/stream/StreamStore.js"
import { goLive, handBacklog, placeAt, startCatchUp } from "../../src/stream/Session.js"
import { makeSessions } from "../../src/stream/Sessions.js"
import { recordingSession } from "./recordingSession.js"

const entry = (seq: number) => ({ user: "u", seq, payload: `e${seq}` })
const notification = (seq: number, id: string) => ({
  user: "u",
  seq,
  payload: `{"type":"notification","seq":${seq},"notification":{"id":"${id}","user":"u"}}`
})

it("holds live entries while catching up, then writes each once, in seq order, after the backlog", () => {
  const hub = makeSessions()
  const { s, written } = recordingSession({ transport: "sse" })
  expect(startCatchUp(s)).toBe(true)
  hub.add(s)
  placeAt(s, 2)
  hub.deliver("a", [entry(5), entry(3)])
  expect(s.phase._tag).toBe("catchingUp")
  expect(written).toEqual([])
  expect(handBacklog(s, [entry(3), entry(4)])).toBe(true)
  goLive(s)
  expect(written).toEqual(["e3", "e4", "e5"])
  expect(s.cursor).toBe(5)
  expect(s.phase).toEqual({ _tag: "live" })
  hub.deliver("a", [entry(5), entry(6)])
  expect(written).toEqual(["e3", "e4", "e5", "e6"])
})

it("a session closed before it joins never enters the hub, and Presence hears nothing", () => {
  const hub = makeSessions()
  const changes: Array<boolean> = []
  hub.onChange((_, joined) => changes.push(joined))
  const { s, written } = recordingSession({ transport: "sse" })
  hub.remove(s) // its transport went away while the stream was opening
  expect(startCatchUp(s)).toBe(false)
  hub.add(s)
  expect(hub.list()).toEqual([])
  expect(hub.sessionsOf("a", "u")).toBe(0)
  hub.deliver("a", [entry(1)])
  expect(written).toEqual([])
  expect(changes).toEqual([])
  expect(s.phase).toEqual({ _tag: "closed" })
})

it("a session closed while its backlog is read is written no more and stays closed", () => {
  const hub = makeSessions()
  const changes: Array<boolean> = []
  hub.onChange((_, joined) => changes.push(joined))
  const { s, written } = recordingSession({ transport: "sse" })
  startCatchUp(s)
  hub.add(s)
  hub.deliver("a", [entry(9)])
  expect(handBacklog(s, [entry(1)])).toBe(true)
  hub.remove(s)
  expect(handBacklog(s, [entry(2), entry(3)])).toBe(false)
  goLive(s)
  expect(written).toEqual(["e1"])
  expect(s.phase).toEqual({ _tag: "closed" })
  expect(changes).toEqual([true, false])
})

it("records a first delivery only for a frame the transport took", async () => {
  const batches: Array<ReadonlyArray<Receipt>> = []
  const receipts = makeReceipts(async (batch) => {
    batches.push(batch)
  })
  const hub = makeSessions(receipts)
  const { s } = recordingSession({ transport: "sse", takes: (payload) => !payload.includes("ntf_refused") })
  hub.add(s)
  hub.deliver("a", [notification(1, "ntf_taken"), notification(2, "ntf_refused")])
  await receipts.flush()
  expect(batches.flat().map((r) => r.id)).toEqual(["ntf_taken"])
  expect(s.cursor).toBe(2)
})
