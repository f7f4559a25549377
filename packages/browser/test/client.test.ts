/**
 * The client against the in-process fake server, under fake timers: connecting, the store,
 * actions, reconnection (backoff, one attempt in flight, resume, gaps, reset, tokens,
 * offline), liveness (WebSocket heartbeat, long-poll timeout) and transport fallback.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { backoff } from "../src/Backoff.js"
import { createClient, type PushBackClient, type PushBackOptions } from "../src/Client.js"
import { Codes, type StateEvent } from "../src/Codes.js"
import type { Notification } from "../src/types.js"
import { type FakeServer, makeFakeServer } from "./fakeServer.js"

const URL = "http://push.test"
let clients: Array<PushBackClient> = []

/**
 * Lets the network and 0 ms timers run: 20 rounds of 1 ms (fake timers schedule a 0 ms
 * timer set during a tick 1 ms later, so 0 ms rounds would never run it).
 */
const settle = async () => {
  for (let i = 0; i < 20; i++) await vi.advanceTimersByTimeAsync(1)
}
/** Runs pending microtasks only; the clock does not move. */
const flush = async () => {
  for (let i = 0; i < 10; i++) await vi.advanceTimersByTimeAsync(0)
}

const setup = (options: Partial<PushBackOptions> = {}, server: FakeServer = makeFakeServer()) => {
  const token = server.issue()
  const client = createClient({
    url: URL,
    token,
    shareConnection: false,
    ...options,
    platform: { ...server.platform, random: () => 0.5, ...options.platform }
  })
  clients.push(client)
  const notified: Array<Notification> = []
  const disconnects: Array<StateEvent> = []
  const states: Array<StateEvent> = []
  client.subscribe(
    (n) => notified.push(n),
    (e) => disconnects.push(e)
  )
  client.on("state", (e) => states.push(e))
  return { server, client, token, notified, disconnects, states }
}

/** Wraps the fake WebSocket to record when sockets are made and how many are open at once. */
const recording = (server: FakeServer) => {
  const Base = server.platform.WebSocket as unknown as new (url: string) => WebSocket
  const all: Array<WebSocket> = []
  const record = {
    times: [] as Array<number>,
    maxConcurrent: 0,
    WebSocket: undefined as unknown as typeof WebSocket
  }
  class Recording extends Base {
    constructor(url: string) {
      super(url)
      const open = all.filter((s) => s.readyState !== 3).length + 1
      all.push(this)
      record.times.push(Date.now())
      record.maxConcurrent = Math.max(record.maxConcurrent, open)
    }
  }
  record.WebSocket = Recording as unknown as typeof WebSocket
  return record
}

/**
 * Wraps the fake WebSocket so that `hello` frames are held back until `release()`: the socket
 * is open but the server has not answered, so a test can act between the two.
 */
const holdingHello = (server: FakeServer) => {
  const Base = server.platform.WebSocket as unknown as new (url: string) => WebSocket
  const queue: Array<() => void> = []
  class Holding extends Base {
    override send(data: string) {
      if ((JSON.parse(data) as { type: string }).type === "hello") queue.push(() => super.send(data))
      else super.send(data)
    }
  }
  return {
    WebSocket: Holding as unknown as typeof WebSocket,
    held: () => queue.length,
    release: () => {
      for (const send of queue.splice(0)) send()
    }
  }
}

/**
 * Wraps the fake server's `fetch` so that its REST reads (`GET /v1/me/…`, optionally only those
 * whose path matches) can be held: `"before"` the server reads (the read happens on release),
 * or `"after"` it (the server has read; the answer arrives on release).
 */
const gatingRest = (server: FakeServer) => {
  const base = server.platform.fetch!
  let mode: "before" | "after" | undefined
  let only: RegExp | undefined
  const queue: Array<() => void> = []
  const wait = () => new Promise<void>((resolve) => queue.push(resolve))
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const path = new globalThis.URL(String(input)).pathname
    const gated =
      mode !== undefined &&
      (init?.method ?? "GET") === "GET" &&
      path.startsWith("/v1/me/") &&
      (only === undefined || only.test(path))
    if (!gated) return base(input, init)
    if (mode === "before") {
      await wait()
      return base(input, init)
    }
    const res = await base(input, init)
    await wait()
    return res
  }) as typeof globalThis.fetch
  return {
    fetch,
    hold(when: "before" | "after", path?: RegExp) {
      mode = when
      only = path
    },
    held: () => queue.length,
    release() {
      mode = undefined
      for (const go of queue.splice(0)) go()
    }
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] })
})
afterEach(() => {
  for (const c of clients) c.close()
  clients = []
  vi.useRealTimers()
})

describe("backoff", () => {
  it("stays within [0, min(max, min * 2^attempt)) and is capped", () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const bound = Math.min(20_000, 500 * 2 ** attempt)
      expect(backoff(attempt, 500, 20_000, () => 0)).toBe(0)
      const high = backoff(attempt, 500, 20_000, () => 0.999999)
      expect(high).toBeLessThan(bound)
      expect(high).toBeGreaterThanOrEqual(bound - 1)
    }
    expect(backoff(100, 500, 20_000, () => 0.5)).toBe(10_000)
  })

  it("jitters: different random draws give different delays", () => {
    const delays = new Set(Array.from({ length: 50 }, (_, i) => backoff(6, 500, 20_000, () => i / 50)))
    expect(delays.size).toBe(50)
  })
})

describe("connecting and the store", () => {
  it("connects over WebSocket with a hello frame and loads counts and the first page over REST", async () => {
    const server = makeFakeServer()
    const old = server.notify()
    server.notify({ seenAt: "2024-01-01T00:00:00.000Z" })
    const { client, token, notified, states } = setup({}, server)
    expect(client.state).toBe("connecting")
    await settle()
    expect(client.state).toBe("connected")
    expect(client.transport).toBe("websocket")
    expect(states.map((s) => s.state)).toEqual(["connected"])
    expect(states[0]!.code).toBe(Codes.Connected)
    expect(server.received[0]).toEqual({ type: "hello", token })
    expect(server.requests).toContain("GET /v1/me/counts")
    expect(server.requests).toContain("GET /v1/me/notifications")
    const snap = client.store.getSnapshot()
    expect(snap.notifications.map((n) => n.id)).toEqual(["n2", old.id])
    expect([snap.unseen, snap.unread, snap.state, snap.hasMore]).toEqual([1, 2, "connected", false])
    expect(notified).toEqual([])
  })

  it("does not lose a notification created between the first REST load and the first welcome", async () => {
    const server = makeFakeServer()
    const hello = holdingHello(server)
    const { client, notified } = setup(
      { transports: ["websocket"], platform: { WebSocket: hello.WebSocket } },
      server
    )
    await settle() // the socket is open, its hello unanswered; whatever the client loads meanwhile, it has loaded
    expect(hello.held()).toBe(1)
    expect(client.state).toBe("connecting")
    const n = server.notify()
    hello.release()
    await settle()
    expect(client.state).toBe("connected")
    const snap = client.store.getSnapshot()
    expect(snap.notifications.map((x) => x.id)).toEqual([n.id])
    expect([snap.unseen, snap.unread]).toEqual([1, 1])
    // It existed before the stream began: it came over REST, so it is not a new arrival.
    expect(notified).toEqual([])
  })

  it("stays exact from the stream: notification prepends, marks update items and counts", async () => {
    const { server, client, notified } = setup()
    await settle()
    const seenIds: Array<ReadonlyArray<string>> = []
    client.on("seen", (ids) => seenIds.push(ids))
    const a = server.notify()
    const b = server.notify()
    await settle()
    expect(notified.map((n) => n.id)).toEqual([a.id, b.id])
    let snap = client.store.getSnapshot()
    expect(snap.notifications.map((n) => n.id)).toEqual([b.id, a.id])
    expect([snap.unseen, snap.unread]).toEqual([2, 2])
    server.mark("seen", [a.id])
    await settle()
    expect(seenIds).toEqual([[a.id]])
    snap = client.store.getSnapshot()
    expect([snap.unseen, snap.unread]).toEqual([1, 2])
    expect(snap.notifications[1]!.seenAt).not.toBeNull()
    server.mark("read", [b.id])
    await settle()
    snap = client.store.getSnapshot()
    expect([snap.unseen, snap.unread]).toEqual([0, 1])
    server.mark("deleted", [a.id])
    await settle()
    snap = client.store.getSnapshot()
    expect(snap.notifications.map((n) => n.id)).toEqual([b.id])
    expect([snap.unseen, snap.unread]).toEqual([0, 0])
  })

  it("refetches counts when a read or delete touches a notification that is not loaded", async () => {
    const server = makeFakeServer()
    const ids = Array.from({ length: 5 }, () => server.notify().id)
    const { client } = setup({ pageSize: 2 }, server)
    await settle()
    expect(client.store.getSnapshot().hasMore).toBe(true)
    server.mark("read", [ids[0]!])
    await settle()
    expect(server.requests.filter((r) => r === "GET /v1/me/counts")).toHaveLength(2)
    expect([client.store.getSnapshot().unseen, client.store.getSnapshot().unread]).toEqual([4, 4])
  })

  it("a recount that fails (server unreachable) is asked again on the next welcome", async () => {
    const server = makeFakeServer()
    const ids = Array.from({ length: 5 }, () => server.notify().id)
    const base = server.platform.fetch!
    let failCounts = false
    const fetch = ((input: string | URL | Request, init?: RequestInit) =>
      failCounts && String(input).includes("/v1/me/counts")
        ? Promise.reject(new TypeError("fetch failed"))
        : base(input, init)) as typeof globalThis.fetch
    const { client } = setup({ pageSize: 2, platform: { fetch } }, server)
    await settle()
    failCounts = true
    server.mark("read", [ids[0]!]) // not loaded: its effect on unseen needs a recount, which fails
    await settle()
    expect(client.store.getSnapshot().unseen).toBe(5)
    failCounts = false
    server.closeAll(1006)
    await vi.advanceTimersByTimeAsync(1000) // the reconnect's backoff
    await settle()
    expect(client.store.getSnapshot().state).toBe("connected")
    expect([client.store.getSnapshot().unseen, client.store.getSnapshot().unread]).toEqual([4, 4])
  })

  it("loadMore appends older pages until there are no more", async () => {
    const server = makeFakeServer()
    for (let i = 0; i < 5; i++) server.notify()
    const { client } = setup({ pageSize: 2 }, server)
    await settle()
    await client.loadMore()
    expect(client.store.getSnapshot().notifications.map((n) => n.id)).toEqual(["n5", "n4", "n3", "n2"])
    await client.loadMore()
    const snap = client.store.getSnapshot()
    expect(snap.notifications.map((n) => n.id)).toEqual(["n5", "n4", "n3", "n2", "n1"])
    expect(snap.hasMore).toBe(false)
  })

  it("store.subscribe notifies on change and the snapshot is stable in between", async () => {
    const { server, client } = setup()
    await settle()
    const before = client.store.getSnapshot()
    expect(client.store.getSnapshot()).toBe(before)
    let calls = 0
    const off = client.store.subscribe(() => calls++)
    server.notify()
    await settle()
    expect(calls).toBe(1)
    expect(client.store.getSnapshot()).not.toBe(before)
    off()
    server.notify()
    await settle()
    expect(calls).toBe(1)
  })
})

describe("the first load and the stream", () => {
  it("loads over REST only once the stream has a cursor (the first welcome)", async () => {
    const server = makeFakeServer()
    const hello = holdingHello(server)
    setup({ transports: ["websocket"], platform: { WebSocket: hello.WebSocket } }, server)
    await settle()
    expect(server.requests).toEqual([])
    hello.release()
    await settle()
    expect(server.requests).toEqual(["GET /v1/me/counts", "GET /v1/me/notifications"])
  })

  it("a notification that arrives during the load and is in the page is neither added nor counted twice", async () => {
    const server = makeFakeServer()
    const gate = gatingRest(server)
    gate.hold("before")
    const { client, notified } = setup({ platform: { fetch: gate.fetch } }, server)
    await settle()
    expect(gate.held()).toBe(2)
    const n = server.notify() // delivered after welcome, before the REST reads
    await settle()
    gate.release()
    await settle()
    const snap = client.store.getSnapshot()
    expect(snap.notifications.map((x) => x.id)).toEqual([n.id])
    expect([snap.unseen, snap.unread]).toEqual([1, 1])
    // It arrived on the stream after welcome: a new notification, once.
    expect(notified.map((x) => x.id)).toEqual([n.id])
  })

  it("a notification that arrives during the load and is not in the page is added once", async () => {
    const server = makeFakeServer()
    const gate = gatingRest(server)
    gate.hold("after")
    const { client, notified } = setup({ platform: { fetch: gate.fetch } }, server)
    await settle()
    expect(gate.held()).toBe(2)
    const n = server.notify() // after the REST reads, before their answers
    await settle()
    gate.release()
    await settle()
    const snap = client.store.getSnapshot()
    expect(snap.notifications.map((x) => x.id)).toEqual([n.id])
    expect([snap.unseen, snap.unread]).toEqual([1, 1])
    expect(notified.map((x) => x.id)).toEqual([n.id])
  })

  it("an entry the REST answer already reflects is not applied twice when it arrives after it", async () => {
    const server = makeFakeServer()
    const gate = gatingRest(server)
    gate.hold("before")
    const { client, notified } = setup({ platform: { fetch: gate.fetch } }, server)
    await settle()
    server.dropNext()
    const n = server.notify() // stored, not yet delivered
    gate.release() // the REST answer has it
    await settle()
    server.resend(1) // the stream catches up
    await settle()
    const snap = client.store.getSnapshot()
    expect(snap.notifications.map((x) => x.id)).toEqual([n.id])
    expect([snap.unseen, snap.unread]).toEqual([1, 1])
    expect(notified.map((x) => x.id)).toEqual([n.id])
  })

  it("the counts stay exact when an entry falls between the counts read and the page read", async () => {
    const server = makeFakeServer()
    const gate = gatingRest(server)
    gate.hold("before", /notifications$/)
    const { client } = setup({ platform: { fetch: gate.fetch } }, server)
    await settle() // the counts are read (0), the page is not
    server.notify()
    await settle()
    gate.release() // the page has it, the counts do not
    await settle()
    const snap = client.store.getSnapshot()
    expect(snap.notifications).toHaveLength(1)
    expect([snap.unseen, snap.unread]).toEqual([1, 1])
  })

  it("a mark during the load changes counts only for items whose state it changes", async () => {
    for (const when of ["before", "after"] as const) {
      const server = makeFakeServer()
      const a = server.notify()
      server.notify()
      const gate = gatingRest(server)
      gate.hold(when)
      const { client } = setup({ platform: { fetch: gate.fetch } }, server)
      await settle()
      server.mark("read", [a.id]) // reflected in the REST answer ("before") or not ("after")
      await settle()
      gate.release()
      await settle()
      const snap = client.store.getSnapshot()
      expect([snap.unseen, snap.unread]).toEqual([1, 1])
      expect(snap.notifications.find((x) => x.id === a.id)!.readAt).not.toBeNull()
      client.close()
    }
  })

  it("a seen during the load of items that are not loaded is counted exactly, without a refetch", async () => {
    for (const when of ["before", "after"] as const) {
      const server = makeFakeServer()
      const old = server.notify()
      server.notify()
      const gate = gatingRest(server)
      gate.hold(when)
      const { client } = setup({ pageSize: 1, platform: { fetch: gate.fetch } }, server)
      const shown: Array<string> = []
      client.store.subscribe(() => {
        const snap = client.store.getSnapshot()
        if (snap.notifications.length > 0) shown.push([snap.unseen, snap.unread].join())
      })
      await settle()
      server.mark("seen", [old.id]) // not in the first page
      await settle()
      gate.release()
      await settle()
      expect(client.store.getSnapshot().notifications).toHaveLength(1)
      // Whether the counts were read before or after the mark (the PushBack-Cursor header
      // tells), the first counts shown are already exact.
      expect(shown.filter((c, i, all) => c !== all[i - 1])).toEqual(["1,2"])
      expect(server.requests.filter((r) => r === "GET /v1/me/counts")).toHaveLength(1)
      client.close()
    }
  })

  it("a read during the load of items that are not loaded refetches the counts instead of guessing", async () => {
    for (const when of ["before", "after"] as const) {
      const server = makeFakeServer()
      const old = server.notify()
      server.notify()
      const gate = gatingRest(server)
      gate.hold(when)
      const { client } = setup({ pageSize: 1, platform: { fetch: gate.fetch } }, server)
      const shown: Array<string> = []
      client.store.subscribe(() => {
        const snap = client.store.getSnapshot()
        if (snap.notifications.length > 0) shown.push([snap.unseen, snap.unread].join())
      })
      await settle()
      server.mark("read", [old.id]) // not in the first page: was it seen? only the server knows
      await settle()
      gate.release()
      await settle()
      // Counts the server read before the mark ("after": answers held on their way back) are
      // shown as answered — a true past state, not a guess — then the refetch. Counts read
      // after it ("before": requests held on their way out) are exact at once.
      expect(shown.filter((c, i, all) => c !== all[i - 1])).toEqual(
        when === "after" ? ["2,2", "1,1"] : ["1,1"]
      )
      expect(server.requests.filter((r) => r === "GET /v1/me/counts")).toHaveLength(when === "after" ? 2 : 1)
      client.close()
    }
  })

  it("a reset during the first load: the reload's page is kept, entries held before it are not replayed on it", async () => {
    const server = makeFakeServer()
    const gate = gatingRest(server)
    gate.hold("after")
    const { client, notified } = setup({ platform: { fetch: gate.fetch } }, server)
    await settle() // the first load has read (nothing); its answer waits
    const a = server.notify() // held
    await settle()
    server.closeAll(1006)
    server.mark("deleted", [a.id]) // while disconnected
    server.forget() // the cursor is no longer retained: reset
    await vi.advanceTimersByTimeAsync(250)
    await settle() // reconnected, reset, reloaded (read: nothing); both answers wait
    expect(gate.held()).toBe(4)
    gate.release()
    await settle()
    const snap = client.store.getSnapshot()
    expect(snap.notifications).toEqual([])
    expect([snap.unseen, snap.unread]).toEqual([0, 0])
    expect(notified.map((x) => x.id)).toEqual([a.id])
  })

  it("counts refetched while entries arrive are refetched again", async () => {
    const server = makeFakeServer()
    const old = server.notify()
    server.notify()
    const gate = gatingRest(server)
    const { client } = setup({ pageSize: 1, platform: { fetch: gate.fetch } }, server)
    await settle()
    gate.hold("after", /counts$/)
    server.mark("read", [old.id]) // not loaded: the counts are refetched
    await settle()
    server.notify() // after that read, before its answer
    await settle()
    gate.release()
    await settle()
    const snap = client.store.getSnapshot()
    expect([snap.unseen, snap.unread]).toEqual([2, 2])
  })
})

describe("actions", () => {
  it("marks over WebSocket actions when on WebSocket, and the entries update the store", async () => {
    const { server, client } = setup()
    await settle()
    const a = server.notify()
    const b = server.notify()
    await settle()
    const read = client.markRead([a.id])
    await settle()
    expect(await read).toBe(1)
    expect(server.received.at(-1)).toMatchObject({ type: "read", ids: [a.id] })
    expect(typeof server.received.at(-1)!["ref"]).toBe("string")
    const removed = client.remove([b.id])
    await settle()
    expect(await removed).toBe(1)
    expect(server.received.at(-1)).toMatchObject({ type: "delete", ids: [b.id] })
    expect(server.requests.filter((r) => r.startsWith("PATCH"))).toEqual([])
    const snap = client.store.getSnapshot()
    expect(snap.notifications.map((n) => n.id)).toEqual([a.id])
    expect([snap.unseen, snap.unread]).toEqual([0, 0])
  })

  it("marks over REST on SSE and long-poll, and markAllSeen always over REST", async () => {
    for (const transport of ["sse", "poll"] as const) {
      const { server, client } = setup({ transports: [transport] })
      await settle()
      expect(client.transport).toBe(transport)
      const a = server.notify()
      server.notify()
      await settle()
      const seen = client.markSeen([a.id])
      await settle()
      expect(await seen).toBe(1)
      expect(server.requests.filter((r) => r === "PATCH /v1/me/notifications")).toHaveLength(1)
      const all = client.markAllSeen()
      await settle()
      expect(await all).toBe(1)
      expect(client.store.getSnapshot().unseen).toBe(0)
      client.close()
    }
  })

  it("an action waiting for its reply when the socket drops is sent again over REST", async () => {
    const { server, client } = setup()
    await settle()
    const a = server.notify()
    await settle()
    const read = client.markRead([a.id])
    server.closeAll(1006) // before the reply is delivered
    await settle()
    await expect(read).resolves.toBeGreaterThanOrEqual(0)
    expect(server.notifications.get(a.id)!.readAt).not.toBeNull()
  })
})

describe("reconnection", () => {
  it("calls onDisconnect on each loss, reconnects from the cursor, and never repeats a notification", async () => {
    const { server, client, notified, disconnects } = setup()
    await settle()
    server.notify()
    await settle()
    for (let loss = 1; loss <= 3; loss++) {
      await vi.advanceTimersByTimeAsync(10_000) // stayed up (stableAfter): the backoff starts over
      server.closeAll(1006)
      await settle()
      expect(client.state).toBe("reconnecting")
      expect(disconnects).toHaveLength(loss)
      expect(disconnects.at(-1)!.code).toBe(1006)
      server.notify() // while disconnected
      await vi.advanceTimersByTimeAsync(250) // backoff(0) with random 0.5
      await settle()
      expect(client.state).toBe("connected")
      expect(server.opened.at(-1)!.cursor).toBe(server.latest() - 1)
    }
    expect(notified.map((n) => n.id)).toEqual(["n1", "n2", "n3", "n4"])
    // A duplicate delivery (an entry at or below the cursor) is dropped.
    server.resend(2)
    await settle()
    expect(notified).toHaveLength(4)
    expect(client.store.getSnapshot().notifications).toHaveLength(4)
  })

  it("backs off with capped full jitter, one attempt in flight, and starts over once a connection stayed up", async () => {
    const server = makeFakeServer()
    const sockets = recording(server)
    const { client } = setup(
      { transports: ["websocket"], platform: { WebSocket: sockets.WebSocket } },
      server
    )
    await settle()
    server.down = true
    server.closeAll(1006)
    await flush()
    const lostAt = Date.now()
    const first = sockets.times.length
    // random() is 0.5: the delays are 0.5 * min(20000, 500 * 2^attempt).
    await vi.advanceTimersByTimeAsync(60_000)
    const gaps = sockets.times.slice(first).map((t, i, all) => t - (i === 0 ? lostAt : all[i - 1]!))
    expect(gaps.slice(0, 8)).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000])
    expect(sockets.maxConcurrent).toBe(1)
    expect(client.state).toBe("reconnecting")
    // Back up: the next attempt connects; once it has stayed up for stableAfter (10 s), the
    // attempt count starts over.
    server.down = false
    await vi.advanceTimersByTimeAsync(10_000)
    await settle()
    expect(client.state).toBe("connected")
    await vi.advanceTimersByTimeAsync(10_000)
    server.closeAll(1006)
    await flush()
    await vi.advanceTimersByTimeAsync(249)
    expect(client.state).toBe("reconnecting")
    await vi.advanceTimersByTimeAsync(1)
    await settle()
    expect(client.state).toBe("connected")
  })

  it.each([Codes.Policy, 1011])(
    "a server that closes right after welcome (%i) is retried ever more slowly, up to the cap; a connection that stayed up starts the count over",
    async (code) => {
      const server = makeFakeServer()
      const sockets = recording(server)
      const { client, disconnects } = setup(
        { transports: ["websocket"], platform: { WebSocket: sockets.WebSocket } },
        server
      )
      let dropping = true
      client.on("state", (e) => {
        if (dropping && e.state === "connected") server.closeAll(code)
      })
      await vi.advanceTimersByTimeAsync(60_000)
      // Every attempt connects (welcome) and is closed at once: the delays still grow.
      const gaps = sockets.times.slice(1).map((t, i) => t - sockets.times[i]!)
      expect(gaps.slice(0, 8)).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000])
      expect(disconnects.map((d) => d.code)).toEqual(sockets.times.map(() => code))
      expect(sockets.maxConcurrent).toBe(1)

      /** Lets the next attempt connect, keeps it up `ms`, drops it; the delay to the attempt after. */
      const keepUpThenDrop = async (ms: number) => {
        await vi.advanceTimersToNextTimerAsync() // the scheduled attempt
        await settle()
        expect(client.state).toBe("connected")
        await vi.advanceTimersByTimeAsync(ms)
        server.closeAll(1006)
        await flush()
        const lostAt = Date.now()
        const n = sockets.times.length
        await vi.advanceTimersToNextTimerAsync() // the only timer: the next attempt
        expect(sockets.times.length).toBe(n + 1)
        return sockets.times.at(-1)! - lostAt
      }
      dropping = false
      // Up for less than stableAfter (10 s): still backing off at the cap.
      expect(await keepUpThenDrop(9000)).toBe(10_000)
      // Up for stableAfter: the next delay is the first one again.
      expect(await keepUpThenDrop(10_000)).toBe(250)
    }
  )

  it("stableAfter sets how long a connection must stay up for the backoff to start over", async () => {
    const server = makeFakeServer()
    const sockets = recording(server)
    const { client } = setup(
      { transports: ["websocket"], stableAfter: 2000, platform: { WebSocket: sockets.WebSocket } },
      server
    )
    await settle()
    // [how long the connection stays up, the delay before the next attempt]
    for (const [upFor, delay] of [
      [2000, 250],
      [0, 500],
      [1900, 1000],
      [2000, 250]
    ] as const) {
      await vi.advanceTimersByTimeAsync(upFor)
      server.closeAll(1006)
      await flush()
      const lostAt = Date.now()
      const n = sockets.times.length
      await vi.advanceTimersByTimeAsync(delay)
      expect(sockets.times.length).toBe(n + 1)
      expect(sockets.times.at(-1)! - lostAt).toBe(delay)
      await settle()
      expect(client.state).toBe("connected")
    }
  })

  it("never has two connection attempts in flight, whatever happens meanwhile", async () => {
    const server = makeFakeServer()
    const sockets = recording(server)
    const { client } = setup(
      { transports: ["websocket"], platform: { WebSocket: sockets.WebSocket } },
      server
    )
    await settle()
    server.down = true
    server.closeAll(1006)
    await settle()
    server.setOnline(false)
    server.setOnline(true)
    server.closeAll(1006)
    server.setOnline(true)
    for (let i = 0; i < 20; i++) await vi.advanceTimersByTimeAsync(1000)
    expect(sockets.maxConcurrent).toBe(1)
    expect(sockets.times.length).toBeGreaterThan(3)
    expect(client.state).toBe("reconnecting")
  })

  it("a seq gap makes it resume from its cursor at once; entries arrive once, in order", async () => {
    const { server, client, notified } = setup()
    await settle()
    server.notify()
    await settle()
    server.dropNext()
    server.notify() // lost on the way
    server.notify() // arrives: a gap
    await settle()
    expect(server.opened.at(-1)!.cursor).toBe(1)
    expect(client.state).toBe("connected")
    expect(notified.map((n) => n.id)).toEqual(["n1", "n2", "n3"])
  })

  it("reset refetches the list over REST and continues from the new cursor", async () => {
    const { server, client, notified } = setup()
    await settle()
    server.notify()
    await settle()
    server.closeAll(1006)
    server.notify()
    server.notify()
    server.forget() // the client's cursor is no longer retained
    await vi.advanceTimersByTimeAsync(250)
    await settle()
    expect(server.requests.filter((r) => r === "GET /v1/me/notifications")).toHaveLength(2)
    const snap = client.store.getSnapshot()
    expect(snap.notifications.map((n) => n.id)).toEqual(["n3", "n2", "n1"])
    expect(snap.unseen).toBe(3)
    server.notify()
    await settle()
    expect(notified.map((n) => n.id)).toEqual(["n1", "n4"])
  })

  it("on 4009 it fetches a fresh token with getToken and resumes", async () => {
    const server = makeFakeServer()
    const getToken = vi.fn(async () => server.issue())
    const { client, notified } = setup({ token: undefined, getToken }, server)
    await settle()
    expect(getToken).toHaveBeenCalledTimes(1)
    server.notify()
    await settle()
    server.expire()
    server.notify()
    await settle()
    expect(getToken).toHaveBeenCalledTimes(2)
    expect(client.state).toBe("connected")
    const hello = server.received.filter((f) => f["type"] === "hello").at(-1)!
    expect(hello["token"]).toBe(server.opened.at(-1)!.token)
    expect(hello["cursor"]).toBe(1)
    expect(notified.map((n) => n.id)).toEqual(["n1", "n2"])
  })

  it("on a 401 over long-poll it fetches a fresh token too", async () => {
    const server = makeFakeServer()
    const getToken = vi.fn(async () => server.issue())
    const { client } = setup({ token: undefined, getToken, transports: ["poll"] }, server)
    await settle()
    server.expire()
    await settle()
    expect(getToken).toHaveBeenCalledTimes(2)
    expect(client.state).toBe("connected")
  })

  it("an SSE connection refused for its token (a 401 EventSource cannot read) gets a fresh token", async () => {
    const server = makeFakeServer()
    const stale = server.issue()
    server.expire()
    const getToken = vi.fn(async () => server.issue())
    const { client } = setup({ token: stale, getToken, transports: ["sse"] }, server)
    await settle()
    expect(getToken).toHaveBeenCalledTimes(1)
    expect(client.state).toBe("connected")
    expect(client.transport).toBe("sse")
  })

  it("without getToken a refused token leaves it disconnected", async () => {
    const { server, client, disconnects } = setup()
    await settle()
    server.expire()
    await settle()
    expect(client.state).toBe("disconnected")
    expect(disconnects.at(-1)!.code).toBe(Codes.TokenExpired)
    const attempts = server.opened.length
    await vi.advanceTimersByTimeAsync(60_000)
    expect(server.opened.length).toBe(attempts)
  })

  it("pauses while offline and reconnects at once when back online", async () => {
    const { server, client, notified, disconnects } = setup()
    await settle()
    server.setOnline(false)
    await settle()
    expect(client.state).toBe("disconnected")
    expect(disconnects.at(-1)!.code).toBe(Codes.Offline)
    expect(server.live()).toEqual([])
    server.notify()
    const attempts = server.opened.length
    await vi.advanceTimersByTimeAsync(120_000)
    expect(server.opened.length).toBe(attempts)
    server.setOnline(true)
    await settle()
    expect(client.state).toBe("connected")
    expect(notified.map((n) => n.id)).toEqual(["n1"])
  })

  it("a server going away (1001) is a loss like any other", async () => {
    const { server, client, disconnects } = setup({ transports: ["sse"] })
    await settle()
    server.closeAll(1001)
    await settle()
    expect(disconnects.at(-1)!.code).toBe(Codes.GoingAway)
    await vi.advanceTimersByTimeAsync(250)
    await settle()
    expect(client.state).toBe("connected")
  })

  it("close() is final and is not reported as a disconnect", async () => {
    const { server, client, disconnects, states } = setup()
    await settle()
    client.close()
    await settle()
    expect(client.state).toBe("closed")
    expect(states.at(-1)!.code).toBe(Codes.Closed)
    expect(disconnects).toEqual([])
    expect(server.live()).toEqual([])
  })
})

describe("liveness", () => {
  const pings = (server: FakeServer) => server.received.filter((f) => f["type"] === "ping").length

  it("a half-open WebSocket is pinged, then dropped and resumed from the cursor; onDisconnect once", async () => {
    const { server, client, notified, disconnects, states } = setup({ transports: ["websocket"] })
    await settle()
    server.notify()
    await settle() // the last frame the client receives
    server.stall() // the network switched: the socket stays open, nothing gets through
    server.notify() // lost on the dead socket
    await vi.advanceTimersByTimeAsync(24_900)
    expect(pings(server)).toBe(0)
    await vi.advanceTimersByTimeAsync(200) // 25 s of silence: a ping
    expect(pings(server)).toBe(1)
    expect(server.received.at(-1)).toEqual({ type: "ping" })
    await vi.advanceTimersByTimeAsync(9700)
    expect(client.state).toBe("connected")
    await vi.advanceTimersByTimeAsync(200) // 10 s without an answer: lost
    expect(client.state).toBe("reconnecting")
    expect(disconnects).toHaveLength(1)
    expect(disconnects[0]!.code).toBe(Codes.HeartbeatTimeout)
    expect(states.at(-1)).toMatchObject({ state: "reconnecting", code: Codes.HeartbeatTimeout })
    await vi.advanceTimersByTimeAsync(250) // backoff(0)
    await settle()
    expect(client.state).toBe("connected")
    expect(server.opened.at(-1)!.cursor).toBe(1)
    expect(notified.map((n) => n.id)).toEqual(["n1", "n2"])
    expect(server.live()).toEqual(["websocket"])
    expect(disconnects).toHaveLength(1)
  })

  it("any frame received is a sign of life: no ping while traffic flows, and a pong keeps it up", async () => {
    const { server, client, disconnects } = setup({ transports: ["websocket"] })
    await settle()
    for (let i = 0; i < 10; i++) {
      await vi.advanceTimersByTimeAsync(20_000)
      server.notify()
      await flush()
    }
    expect(pings(server)).toBe(0)
    // Quiet: a ping every 25 s, each answered, for minutes.
    await vi.advanceTimersByTimeAsync(120_000)
    expect(pings(server)).toBe(4)
    expect(client.state).toBe("connected")
    expect(disconnects).toEqual([])
    expect(server.opened).toHaveLength(1)
  })

  it("pingInterval and pongTimeout are options; pingInterval 0 turns the heartbeat off", async () => {
    const a = setup({ transports: ["websocket"], pingInterval: 5000, pongTimeout: 1000 })
    await settle()
    a.server.stall()
    await vi.advanceTimersByTimeAsync(5000)
    expect(pings(a.server)).toBe(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(a.client.state).toBe("reconnecting")
    expect(a.disconnects.map((d) => d.code)).toEqual([Codes.HeartbeatTimeout])

    const b = setup({ transports: ["websocket"], pingInterval: 0 })
    await settle()
    b.server.stall()
    await vi.advanceTimersByTimeAsync(300_000)
    expect(pings(b.server)).toBe(0)
    expect(b.client.state).toBe("connected")
  })

  it("close() leaves no timer behind: no ping after it", async () => {
    const { server, client } = setup({ transports: ["websocket"] })
    await settle()
    client.close()
    await settle()
    expect(vi.getTimerCount()).toBe(0)
    await vi.advanceTimersByTimeAsync(60_000)
    expect(pings(server)).toBe(0)
  })

  it("a long-poll not answered within its wait and pongTimeout is dropped and resumed", async () => {
    const { server, client, notified, disconnects } = setup({ transports: ["poll"] })
    await settle()
    server.notify()
    await settle()
    // Later polls ask the server to wait 25 s (the client's bound depends on it).
    expect(server.opened.at(-1)!.url).toContain("wait=25")
    server.silent.add("poll") // the poll in flight is answered after its 25 s; the next one never
    await vi.advanceTimersByTimeAsync(59_000)
    expect(client.state).toBe("connected")
    await vi.advanceTimersByTimeAsync(1000) // 25 s + 35 s; the next attempt is 250 ms away
    expect(client.state).toBe("reconnecting")
    expect(disconnects.map((d) => d.code)).toEqual([Codes.HeartbeatTimeout])
    server.silent.clear()
    server.notify()
    const attempts = server.opened.length
    await vi.advanceTimersByTimeAsync(250)
    await settle()
    expect(client.state).toBe("connected")
    expect(server.opened[attempts]).toMatchObject({ cursor: 1 })
    expect(server.opened[attempts]!.url).toContain("wait=0")
    expect(notified.map((n) => n.id)).toEqual(["n1", "n2"])
  })
})

describe("transports", () => {
  it("uses SSE when the platform has no WebSocket, long-poll when it has neither", async () => {
    const a = setup({ platform: { WebSocket: undefined } })
    await settle()
    expect(a.client.transport).toBe("sse")
    const b = setup({ platform: { WebSocket: undefined, EventSource: undefined } })
    await settle()
    expect(b.client.transport).toBe("poll")
    b.server.notify()
    await settle()
    expect(b.notified).toHaveLength(1)
  })

  it("moves to the next transport at once when one cannot connect, and remembers what worked", async () => {
    const server = makeFakeServer()
    server.refuse.add("websocket")
    server.refuse.add("sse")
    const { client } = setup({}, server)
    await settle()
    expect(client.transport).toBe("poll")
    server.refuse.clear()
    server.closeAll(1006)
    await vi.advanceTimersByTimeAsync(250)
    await settle()
    expect(client.transport).toBe("poll")
    expect(server.opened.filter((o) => o.transport !== "poll")).toEqual([])
  })

  it("a transport that does not answer in time is abandoned for the next", async () => {
    const server = makeFakeServer()
    server.silent.add("websocket")
    const { client } = setup({ timeout: 5000 }, server)
    await settle()
    expect(client.state).toBe("connecting")
    await vi.advanceTimersByTimeAsync(5000)
    await settle()
    expect(client.transport).toBe("sse")
  })

  it("can be told which transports to use or exclude", async () => {
    const a = setup({ exclude: ["websocket", "sse"] })
    await settle()
    expect(a.client.transport).toBe("poll")
    const b = setup({ transports: ["sse", "websocket"] })
    await settle()
    expect(b.client.transport).toBe("sse")
    const c = setup({ transports: ["websocket"], platform: { WebSocket: undefined } })
    await settle()
    expect(c.client.state).toBe("disconnected")
    expect(c.states.at(-1)!.code).toBe(Codes.NoTransport)
  })

  it("long-poll resumes with wait=0 first, then waits for entries", async () => {
    const { server, client, notified } = setup({ transports: ["poll"] })
    await settle()
    server.notify()
    await settle()
    server.closeAll(1006)
    await settle()
    server.notify()
    await vi.advanceTimersByTimeAsync(250)
    await settle()
    expect(client.state).toBe("connected")
    const resumed = server.opened.filter((o) => o.cursor === 1).map((o) => o.url)
    expect(resumed.some((u) => u.includes("wait=0"))).toBe(true)
    expect(notified.map((n) => n.id)).toEqual(["n1", "n2"])
  })
})
