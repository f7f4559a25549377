/**
 * The Connection machine, one transition at a time: `begin`, then every event in every state it
 * changes, with the state it leads to and what it tells the client; `timerOf` says which timer
 * each state runs. No clock, no transport: the runner is tested through the client
 * (client.test.ts, share.test.ts).
 */
import { describe, expect, it } from "vitest"
import { Codes } from "../src/Codes.js"
import {
  begin,
  type Event,
  inFlight,
  type Settings,
  type State,
  timerOf,
  transition
} from "../src/Connection.js"

const settings: Settings = {
  transports: ["websocket", "sse", "poll"],
  minReconnectDelay: 500,
  maxReconnectDelay: 20_000,
  timeout: 5000,
  stableAfter: 7000,
  refresh: true
}
const walk = { attempt: 0, walk: 0, worked: undefined }
const idle = (waits: "online" | "nothing", more = {}): State => ({ type: "idle", waits, ...walk, ...more })
const connecting = (more = {}): State => ({ type: "connecting", via: "websocket", ...walk, ...more })
const open = (more = {}): State => ({ type: "open", via: "websocket", ...walk, worked: "websocket", ...more })
const waiting = (delay: number, more = {}): State => ({ type: "waiting", delay, ...walk, ...more })
const closed = (code: number, random = 0.5): Event => ({ type: "closed", code, reason: "why", random })
const step = (state: State, event: Event, s: Settings = settings) => transition(s, state, event)
const announce = (state: string, code: number, reason: string, transport?: string) => ({
  type: "announce",
  state,
  code,
  reason,
  transport
})

describe("begin", () => {
  it("starts with an attempt at once", () => {
    expect(begin("connecting")).toEqual([waiting(0), []])
  })

  it("a tab that mirrored a live connection shows it lost (it takes over)", () => {
    expect(begin("connected")).toEqual([
      waiting(0),
      [announce("reconnecting", Codes.Leader, "took over the shared connection")]
    ])
  })
})

describe("waiting", () => {
  it("timer: the next attempt, over the transport at the walk's position", () => {
    expect(step(waiting(0), { type: "timer", random: 0 })).toEqual([connecting(), []])
    expect(step(waiting(0, { walk: 2 }), { type: "timer", random: 0 })).toEqual([
      connecting({ via: "poll", walk: 2 }),
      []
    ])
  })

  it("timer: the transport that worked is tried first; a walk past the end starts over", () => {
    const [next] = step(waiting(0, { worked: "sse" }), { type: "timer", random: 0 })
    expect(next).toMatchObject({ type: "connecting", via: "sse" })
    expect(step(waiting(0, { walk: 3 }), { type: "timer", random: 0 })[0]).toMatchObject({
      via: "websocket",
      walk: 0
    })
  })

  it("timer without a usable transport: stopped", () => {
    expect(step(waiting(0), { type: "timer", random: 0 }, { ...settings, transports: [] })).toEqual([
      idle("nothing"),
      [announce("disconnected", Codes.NoTransport, "no usable transport")]
    ])
  })

  it("offline: idle until online", () => {
    expect(step(waiting(250), { type: "offline" })).toEqual([
      idle("online"),
      [announce("disconnected", Codes.Offline, "offline")]
    ])
  })

  it("opened, closed, gap and online change nothing", () => {
    for (const event of [{ type: "opened" }, closed(1006), { type: "gap" }, { type: "online" }] as const) {
      expect(step(waiting(250), event)[0]).toEqual(waiting(250))
    }
  })
})

describe("connecting", () => {
  it("opened: open over it; it is the transport that worked, and the walk starts over", () => {
    expect(step(connecting({ via: "sse", walk: 1, attempt: 2 }), { type: "opened" })).toEqual([
      open({ via: "sse", worked: "sse", walk: 0, attempt: 2 }),
      [announce("connected", Codes.Connected, "sse", "sse")]
    ])
  })

  it("closed before opening, nothing worked yet: the next transport at once", () => {
    expect(step(connecting(), closed(1006))).toEqual([waiting(0, { walk: 1 }), []])
  })

  it("closed before opening on the last transport: backoff, from the first", () => {
    expect(step(connecting({ via: "poll", walk: 2 }), closed(1006))).toEqual([
      waiting(250, { attempt: 1, walk: 0 }),
      []
    ])
  })

  it("closed before opening when one worked: that one alone for three rounds, then the others", () => {
    const [alone] = step(connecting({ worked: "sse", via: "sse", attempt: 2 }), closed(1006))
    expect(alone).toEqual(waiting(1000, { worked: "sse", attempt: 3, walk: 0 }))
    const [others] = step(connecting({ worked: "sse", via: "sse", attempt: 3 }), closed(1006))
    expect(others).toEqual(waiting(0, { worked: "sse", attempt: 3, walk: 1 }))
  })

  it("timer: did not connect within `timeout`, a loss like any other", () => {
    expect(step(connecting(), { type: "timer", random: 0.5 })).toEqual([waiting(0, { walk: 1 }), []])
  })

  it("closed with a refused token (getToken failed, 4001): a fresh one", () => {
    expect(step(connecting({ attempt: 1 }), closed(Codes.Unauthorized))).toEqual([
      waiting(500, { attempt: 2 }),
      [{ type: "forget" }]
    ])
  })
})

describe("open", () => {
  it("closed: reconnecting after a backoff of the attempt", () => {
    expect(step(open({ attempt: 2 }), closed(1006))).toEqual([
      waiting(1000, { worked: "websocket", attempt: 3 }),
      [announce("reconnecting", 1006, "why")]
    ])
  })

  it("closed with 4009 after staying up: a fresh token, at once", () => {
    expect(step(open(), closed(Codes.TokenExpired))).toEqual([
      waiting(0, { worked: "websocket", attempt: 1 }),
      [{ type: "forget" }, announce("reconnecting", Codes.TokenExpired, "why")]
    ])
  })

  it("closed with 4009 without getToken: stopped", () => {
    expect(step(open(), closed(Codes.TokenExpired), { ...settings, refresh: false })).toEqual([
      idle("nothing", { worked: "websocket" }),
      [announce("disconnected", Codes.TokenExpired, "why")]
    ])
  })

  it("timer: it stayed up for `stableAfter`, the backoff starts over", () => {
    expect(step(open({ attempt: 4 }), { type: "timer", random: 0 })).toEqual([open({ attempt: 0 }), []])
  })

  it("gap: resume from the cursor at once", () => {
    expect(step(open({ attempt: 1 }), { type: "gap" })).toEqual([
      waiting(0, { worked: "websocket", attempt: 1 }),
      [announce("reconnecting", Codes.Gap, "seq gap")]
    ])
  })

  it("offline: dropped, idle until online", () => {
    expect(step(open(), { type: "offline" })).toEqual([
      idle("online", { worked: "websocket" }),
      [announce("disconnected", Codes.Offline, "offline")]
    ])
  })
})

describe("idle", () => {
  it("online after offline: at once, and the backoff and walk start over", () => {
    expect(step(idle("online", { attempt: 5, walk: 2 }), { type: "online" })).toEqual([
      waiting(0),
      [announce("connecting", Codes.Online, "online")]
    ])
    expect(step(idle("online", { worked: "sse" }), { type: "online" })[1]).toEqual([
      announce("reconnecting", Codes.Online, "online")
    ])
  })

  it("offline while offline changes nothing; stopped, offline waits for online", () => {
    expect(step(idle("online"), { type: "offline" })[0]).toEqual(idle("online"))
    expect(step(idle("nothing"), { type: "offline" })).toEqual([
      idle("online"),
      [announce("disconnected", Codes.Offline, "offline")]
    ])
  })

  it("stopped: online, timers and transports change nothing", () => {
    for (const event of [{ type: "online" }, { type: "timer", random: 0 }, { type: "opened" }] as const) {
      expect(step(idle("nothing"), event)[0]).toEqual(idle("nothing"))
    }
  })
})

describe("close and closed", () => {
  it("close in any state: closed, for good", () => {
    for (const state of [idle("online"), connecting(), open(), waiting(250)]) {
      expect(step(state, { type: "close" })).toEqual([{ type: "closed" }, []])
    }
    for (const event of [{ type: "online" }, { type: "timer", random: 0 }, closed(1006)] as const) {
      expect(step({ type: "closed" }, event)).toEqual([{ type: "closed" }, []])
    }
  })
})

describe("timerOf and inFlight", () => {
  it("each state's timer: the delay, the connect timeout, stableAfter until the backoff starts over", () => {
    expect(timerOf(settings, waiting(250))).toBe(250)
    expect(timerOf(settings, connecting())).toBe(5000)
    expect(timerOf(settings, open({ attempt: 1 }))).toBe(7000)
    expect(timerOf(settings, open())).toBeUndefined()
    expect(timerOf(settings, idle("online"))).toBeUndefined()
    expect(timerOf({ transports: [], refresh: true }, connecting())).toBe(10_000)
  })

  it("an attempt or a connection is in flight; leaving one ends it", () => {
    expect(
      [connecting(), open(), waiting(0), idle("nothing"), { type: "closed" } as State].map(inFlight)
    ).toEqual([true, true, false, false, false])
  })
})
