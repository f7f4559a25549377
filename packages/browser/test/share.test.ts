/**
 * One connection per browser: clients of the same user with Web Locks and BroadcastChannel
 * (in-process fakes here; real ones in the end-to-end suite) share one server connection,
 * and when the leader closes another takes over from its cursor without losing anything.
 */
import { afterEach, beforeEach, expect, it, vi } from "vitest"
import { createClient, type PushBackClient } from "../src/Client.js"
import { Codes, type StateEvent } from "../src/Codes.js"
import type { LockManagerLike } from "../src/Platform.js"
import type { Notification } from "../src/types.js"
import { type FakeServer, makeFakeServer } from "./fakeServer.js"

/** Web Locks: one holder per name, the others queued in order; a request can be aborted. */
const makeLocks = (): LockManagerLike => {
  const held = new Set<string>()
  const queues = new Map<string, Array<() => void>>()
  const grantNext = (name: string) => {
    held.delete(name)
    queues.get(name)?.shift()?.()
  }
  return {
    request: (name, options, callback) =>
      new Promise((resolve, reject) => {
        const run = () => {
          held.add(name)
          queueMicrotask(() => {
            callback()
              .then(resolve, reject)
              .finally(() => grantNext(name))
          })
        }
        if (!held.has(name)) return run()
        const queue = queues.get(name) ?? []
        queues.set(name, queue)
        queue.push(run)
        options.signal?.addEventListener("abort", () => {
          const i = queue.indexOf(run)
          if (i >= 0) queue.splice(i, 1)
          reject(new DOMException("aborted", "AbortError"))
        })
      })
  }
}

/** BroadcastChannel: messages reach the other channels of the same name on a later microtask. */
const makeChannels = () => {
  const open = new Set<FakeChannel>()
  class FakeChannel {
    onmessage: ((event: { data: unknown }) => void) | null = null
    readonly name: string
    constructor(name: string) {
      this.name = name
      open.add(this)
    }
    postMessage(data: unknown) {
      const copy = structuredClone(data)
      for (const other of open) {
        if (other !== this && other.name === this.name)
          queueMicrotask(() => other.onmessage?.({ data: copy }))
      }
    }
    close() {
      open.delete(this)
    }
  }
  return FakeChannel as unknown as typeof BroadcastChannel
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await vi.advanceTimersByTimeAsync(1)
}

let clients: Array<PushBackClient> = []
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] })
})
afterEach(() => {
  for (const c of clients) c.close()
  clients = []
  vi.useRealTimers()
})

const tab = (
  server: FakeServer,
  platform: {
    locks: LockManagerLike
    BroadcastChannel: typeof BroadcastChannel
    WebSocket?: typeof WebSocket
  }
) => {
  const client = createClient({
    url: "http://push.test",
    token: server.issue(),
    platform: { ...server.platform, ...platform, random: () => 0.5 }
  })
  clients.push(client)
  const notified: Array<Notification> = []
  const disconnects: Array<StateEvent> = []
  client.subscribe(
    (n) => notified.push(n),
    (e) => disconnects.push(e)
  )
  return { client, notified, disconnects }
}

it("tabs of one user share one connection and all receive every entry once", async () => {
  const server = makeFakeServer()
  const browser = { locks: makeLocks(), BroadcastChannel: makeChannels() }
  const a = tab(server, browser)
  await settle()
  const b = tab(server, browser)
  const c = tab(server, browser)
  await settle()
  expect(server.live()).toEqual(["websocket"])
  for (const t of [a, b, c]) expect(t.client.state).toBe("connected")
  expect(b.client.transport).toBe("websocket")
  const n = server.notify()
  await settle()
  for (const t of [a, b, c]) {
    expect(t.notified.map((x) => x.id)).toEqual([n.id])
    expect(t.client.store.getSnapshot().unseen).toBe(1)
  }
  // A follower's mark goes over REST; its entry reaches every tab.
  await b.client.markRead([n.id])
  await settle()
  for (const t of [a, b, c]) expect(t.client.store.getSnapshot().unread).toBe(0)
})

it("when the leader closes, another tab takes over from the cursor and nothing is lost", async () => {
  const server = makeFakeServer()
  const browser = { locks: makeLocks(), BroadcastChannel: makeChannels() }
  const a = tab(server, browser)
  await settle()
  const b = tab(server, browser)
  await settle()
  server.notify()
  await settle()
  a.client.close()
  server.notify() // while nobody is connected
  await settle()
  expect(server.live()).toEqual(["websocket"])
  expect(b.client.state).toBe("connected")
  expect(b.disconnects.map((e) => e.code)).toEqual([Codes.Leader])
  expect(server.opened.at(-1)!.cursor).toBe(1)
  server.notify()
  await settle()
  expect(b.notified.map((x) => x.id)).toEqual(["n1", "n2", "n3"])
})

it("with shareConnection: false every client has its own connection", async () => {
  const server = makeFakeServer()
  const browser = { locks: makeLocks(), BroadcastChannel: makeChannels() }
  for (let i = 0; i < 2; i++) {
    const client = createClient({
      url: "http://push.test",
      token: server.issue(),
      shareConnection: false,
      platform: { ...server.platform, ...browser }
    })
    clients.push(client)
  }
  await settle()
  expect(server.live()).toEqual(["websocket", "websocket"])
})

it("a follower that joins before the leader's first welcome loses nothing created meanwhile", async () => {
  const server = makeFakeServer()
  // The leader's hello is held back: its socket is open, the server has not answered.
  const Base = server.platform.WebSocket as unknown as new (url: string) => WebSocket
  const hellos: Array<() => void> = []
  class Holding extends Base {
    override send(data: string) {
      if ((JSON.parse(data) as { type: string }).type === "hello") hellos.push(() => super.send(data))
      else super.send(data)
    }
  }
  const browser = {
    locks: makeLocks(),
    BroadcastChannel: makeChannels(),
    WebSocket: Holding as unknown as typeof WebSocket
  }
  const a = tab(server, browser)
  const b = tab(server, browser)
  await settle()
  expect(hellos).toHaveLength(1)
  const n = server.notify()
  for (const send of hellos.splice(0)) send()
  await settle()
  for (const t of [a, b]) {
    expect(t.client.state).toBe("connected")
    const snap = t.client.store.getSnapshot()
    expect(snap.notifications.map((x) => x.id)).toEqual([n.id])
    expect([snap.unseen, snap.unread]).toEqual([1, 1])
    expect(t.notified).toEqual([])
  }
  // And from then on both follow the stream.
  const m = server.notify()
  await settle()
  for (const t of [a, b]) {
    expect(t.client.store.getSnapshot().notifications.map((x) => x.id)).toEqual([m.id, n.id])
    expect(t.notified.map((x) => x.id)).toEqual([m.id])
  }
})
