/**
 * The `PushBack` entry point: `init` makes the default client that the seed-style calls
 * (`PushBack.subscribe`, `PushBack.store`, …) act on.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest"
import { PushBack } from "../src/PushBack.js"
import type { Notification } from "../src/types.js"
import { makeFakeServer } from "./fakeServer.js"

const settle = async () => {
  for (let i = 0; i < 20; i++) await vi.advanceTimersByTimeAsync(1)
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] })
})
afterEach(() => {
  PushBack.client?.close()
  vi.useRealTimers()
})

it("acts on the default client before init by throwing, and on the last init after", async () => {
  expect(() => PushBack.subscribe(() => {})).toThrow(/init/)
  const server = makeFakeServer()
  const first = PushBack.init({ url: "http://push.test", token: server.issue(), platform: server.platform })
  expect(PushBack.client).toBe(first)
  const seen: Array<Notification> = []
  const lost: Array<number> = []
  PushBack.subscribe(
    (n) => seen.push(n),
    (e) => lost.push(e.code)
  )
  await settle()
  expect(PushBack.state).toBe("connected")
  expect(PushBack.transport).toBe("websocket")
  server.notify()
  await settle()
  expect(seen).toHaveLength(1)
  expect(PushBack.store.getSnapshot().unseen).toBe(1)
  expect(await PushBack.markAllSeen()).toBe(1)
  await settle()
  expect(PushBack.store.getSnapshot().unseen).toBe(0)

  // A second init replaces (and closes) the default client.
  const second = PushBack.init({ url: "http://push.test", token: server.issue(), platform: server.platform })
  expect(first.state).toBe("closed")
  expect(lost).toEqual([])
  expect(PushBack.client).toBe(second)
  await settle()
  expect(server.live()).toEqual(["websocket"])
})
