/**
 * Properties of InboxSync with the stream rule of Stream.ts: whatever the interleaving of stream
 * deliveries (duplicated, reordered, lost: gaps), reconnects, resets, REST reads made at any point
 * of the stream and answered in any order (or failing), and marks made in other sessions, once
 * everything has arrived the client's list and counts equal a reference model folded from the
 * server's stream: the counts exactly, the list as the newest notifications of the server's
 * inbox, in order, with their seen and read state.
 *
 * The server here is a model (a list of notifications and the stream of entries it appended);
 * the client is what `createClient` does with frames and reads, with nothing else in between.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { emptyInbox, type Inbox, type InboxEffect, type InboxEvent, reduceInbox } from "../src/InboxSync.js"
import { place } from "../src/Stream.js"
import type { Counts, Notification, NotificationList, StreamEntryFrame } from "../src/types.js"

const RUNS = Number(process.env["PROPERTY_RUNS"] ?? 1000)

interface Note {
  readonly id: string
  readonly at: string
  seen: boolean
  read: boolean
  deleted: boolean
}

/** The server: its inbox and the stream of entries it appended, and how far back it can resume. */
const makeServer = () => {
  const notes: Array<Note> = []
  const stream: Array<StreamEntryFrame> = []
  let retainedAfter = 0
  const visible = () => notes.filter((n) => !n.deleted).reverse()
  const toNotification = (n: Note): Notification => ({
    id: n.id,
    user: "u",
    type: null,
    title: null,
    content: n.id,
    url: null,
    icon: null,
    image: null,
    data: null,
    author: null,
    createdAt: n.at,
    seenAt: n.seen ? n.at : null,
    readAt: n.read ? n.at : null
  })
  return {
    stream,
    latest: () => stream.length,
    retainedAfter: () => retainedAfter,
    forget: () => {
      retainedAfter = stream.length
    },
    notify() {
      const note = {
        id: `n${notes.length + 1}`,
        at: new Date(Date.UTC(2030, 0, 1) + notes.length * 1000).toISOString(),
        seen: false,
        read: false,
        deleted: false
      }
      notes.push(note)
      stream.push({ type: "notification", seq: stream.length + 1, notification: toNotification(note) })
    },
    /** A mark made in another session: an entry listing exactly the ids it changed, if any. */
    mark(type: "seen" | "read" | "deleted", picks: ReadonlyArray<number>) {
      const ids: Array<string> = []
      for (const pick of picks) {
        const n = notes[pick % Math.max(1, notes.length)]
        if (!n || n.deleted || ids.includes(n.id)) continue
        if (type === "deleted") n.deleted = true
        else if (type === "seen" && !n.seen) n.seen = true
        else if (type === "read" && !n.read) n.seen = n.read = true
        else continue
        ids.push(n.id)
      }
      if (ids.length > 0) stream.push({ type, seq: stream.length + 1, ids })
    },
    counts: (): Counts => ({
      unseen: visible().filter((n) => !n.seen).length,
      unread: visible().filter((n) => !n.read).length,
      total: visible().length
    }),
    page: (limit: number): NotificationList => {
      const all = visible()
      return {
        count: all.length,
        next: limit < all.length ? "next" : null,
        previous: null,
        results: all.slice(0, limit).map(toNotification)
      }
    },
    /** The inbox as the client should show it: id, seen, read; newest first. */
    model: () => visible().map((n) => [n.id, n.seen, n.read].join())
  }
}
type Server = ReturnType<typeof makeServer>

type Command =
  | { readonly t: "notify" }
  | { readonly t: "mark"; readonly type: "seen" | "read" | "deleted"; readonly picks: ReadonlyArray<number> }
  | { readonly t: "deliver" }
  | { readonly t: "lose" }
  | { readonly t: "repeat"; readonly back: number }
  | { readonly t: "drop" }
  | { readonly t: "connect" }
  | { readonly t: "forget" }
  | { readonly t: "read"; readonly pick: number; readonly part: number }
  | { readonly t: "answer"; readonly pick: number }
  | { readonly t: "fail"; readonly pick: number }

const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.constant({ t: "notify" } as const), weight: 4 },
  {
    arbitrary: fc.record({
      t: fc.constant("mark" as const),
      type: fc.constantFrom("seen" as const, "read" as const, "deleted" as const),
      picks: fc.array(fc.nat(40), { minLength: 1, maxLength: 3 })
    }),
    weight: 3
  },
  { arbitrary: fc.constant({ t: "deliver" } as const), weight: 6 },
  { arbitrary: fc.constant({ t: "lose" } as const), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("repeat" as const), back: fc.nat(5) }), weight: 1 },
  { arbitrary: fc.constant({ t: "drop" } as const), weight: 1 },
  { arbitrary: fc.constant({ t: "connect" } as const), weight: 2 },
  { arbitrary: fc.constant({ t: "forget" } as const), weight: 1 },
  { arbitrary: fc.record({ t: fc.constant("read" as const), pick: fc.nat(4), part: fc.nat(1) }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant("answer" as const), pick: fc.nat(4) }), weight: 4 },
  { arbitrary: fc.record({ t: fc.constant("fail" as const), pick: fc.nat(4) }), weight: 1 }
)

/** A REST read in flight: a load (counts and page, read separately) or a recount. */
interface Read {
  readonly effect: InboxEffect
  counts?: { counts: Counts; through: number }
  page?: NotificationList
}

/**
 * The client: the cursor rule, InboxSync and its reads, over a connection that the commands
 * drive. A leader resumes on a gap; a follower tab (`follower`) cannot, so it reloads instead.
 */
const makeClient = (server: Server, pageSize: number, follower: boolean) => {
  let inbox: Inbox = emptyInbox
  let cursor: number | undefined
  /** The seq the connection sent last; undefined while disconnected. */
  let sent: number | undefined
  const reads: Array<Read> = []
  const now = "2031-01-01T00:00:00.000Z"
  const step = (event: InboxEvent) => {
    const [next, effects] = reduceInbox(inbox, event)
    inbox = next
    for (const effect of effects) reads.push({ effect })
  }
  const receive = (entry: StreamEntryFrame) => {
    const where = place(cursor, entry.seq)
    if (where === 1) return
    if (where === 2) {
      if (!follower) {
        sent = undefined // resume from the cursor
        return
      }
      step({ type: "reload" })
    } else step({ type: "need" })
    cursor = entry.seq
    step({ type: "entry", entry, now })
  }
  const readPart = (read: Read, part: number) => {
    const wantsPage = read.effect.type === "load" && (part === 1 || read.counts !== undefined)
    if (wantsPage && read.page === undefined) read.page = server.page(pageSize)
    else if (read.counts === undefined) read.counts = { counts: server.counts(), through: server.latest() }
  }
  const complete = (read: Read) =>
    read.counts !== undefined && (read.effect.type === "count" || read.page !== undefined)
  const answer = (i: number) => {
    const [read] = reads.splice(i, 1)
    if (!read) return
    if (read.effect.type === "count") step({ type: "counted", ...read.counts! })
    else step({ type: "loaded", id: read.effect.id, ...read.counts!, page: read.page!, now })
  }
  const fail = (i: number) => {
    const [read] = reads.splice(i, 1)
    if (!read) return
    step(read.effect.type === "count" ? { type: "failed" } : { type: "failed", id: read.effect.id })
  }
  return {
    get inbox() {
      return inbox
    },
    connect() {
      if (sent !== undefined) return
      const latest = server.latest()
      if (cursor === undefined || cursor < server.retainedAfter() || cursor > latest) {
        const resumed = cursor !== undefined
        cursor ??= latest
        step({ type: "need" })
        if (resumed) {
          cursor = latest
          step({ type: "reload" })
        }
        sent = latest
      } else {
        step({ type: "need" })
        sent = cursor
      }
    },
    run(c: Command) {
      switch (c.t) {
        case "notify":
          return server.notify()
        case "mark":
          return server.mark(c.type, c.picks)
        case "forget":
          return server.forget()
        case "connect":
          return this.connect()
        case "drop":
          sent = undefined
          return
        case "deliver":
        case "lose":
          if (sent === undefined || sent >= server.latest()) return
          sent++
          if (c.t === "deliver") receive(server.stream[sent - 1]!)
          return
        case "repeat":
          if (sent !== undefined && sent - c.back >= 1) receive(server.stream[sent - c.back - 1]!)
          return
        case "read": {
          const read = reads[c.pick % Math.max(1, reads.length)]
          if (read) readPart(read, c.part)
          return
        }
        case "answer": {
          const i = c.pick % Math.max(1, reads.length)
          if (reads[i] && complete(reads[i])) answer(i)
          return
        }
        case "fail":
          return fail(c.pick % Math.max(1, reads.length))
      }
    },
    /** Lets everything arrive: the connection catches up, every read is made and answered. */
    settle() {
      for (let round = 0; round < 500; round++) {
        if (reads.length > 0) {
          readPart(reads[0]!, 0)
          readPart(reads[0]!, 1)
          answer(0)
        } else if (sent === undefined) this.connect()
        else if (sent < server.latest()) this.run({ t: "deliver" })
        // The last entry was lost: nothing shows it until the next one, which shows the gap.
        else if (cursor !== sent) server.notify()
        // A read failed: the server was unreachable, so the connection comes back with a welcome.
        else if (inbox.list.type === 0 || inbox.recount === 3) sent = undefined
        else return
      }
      throw new Error("did not settle")
    },
    /** Whether nothing is on its way: caught up, loaded, no read out and none failed. */
    idle: () =>
      reads.length === 0 &&
      sent === server.latest() &&
      cursor === sent &&
      inbox.list.type === 2 &&
      inbox.recount === 0
  }
}

const shown = (inbox: Inbox) =>
  inbox.view.notifications.map((n) => [n.id, n.seenAt !== null, n.readAt !== null].join())

const scenario = fc.record({
  pageSize: fc.constantFrom(1, 2, 3, 100),
  before: fc.nat(4),
  commands: fc.array(command, { maxLength: 60 })
})

const play = (
  { pageSize, before, commands }: { pageSize: number; before: number; commands: ReadonlyArray<Command> },
  follower: boolean,
  check?: (client: ReturnType<typeof makeClient>, server: Server) => void
) => {
  const server = makeServer()
  for (let i = 0; i < before; i++) server.notify()
  const client = makeClient(server, pageSize, follower)
  client.connect()
  for (const c of commands) {
    client.run(c)
    check?.(client, server)
  }
  client.settle()
  return { client, server }
}

describe.each([
  ["the tab that holds the connection", false],
  ["a tab that follows another", true]
])("InboxSync, as %s", (_, follower) => {
  it("ends with the counts of the server's stream and the newest of its notifications, in order", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { client, server } = play(s, follower)
        const { view } = client.inbox
        expect([view.unseen, view.unread]).toEqual([server.counts().unseen, server.counts().unread])
        const model = server.model()
        const list = shown(client.inbox)
        expect(list).toEqual(model.slice(0, list.length))
        // Everything fits in a page of 100: the whole inbox is shown.
        if (s.pageSize === 100) expect(list).toEqual(model)
      }),
      { numRuns: RUNS }
    )
  }, 60_000)

  it("shows exact counts whenever it has caught up and no read is out", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        play(s, follower, (client, server) => {
          if (!client.idle()) return
          const { view } = client.inbox
          expect([view.unseen, view.unread]).toEqual([server.counts().unseen, server.counts().unread])
        })
      }),
      { numRuns: RUNS }
    )
  }, 60_000)
})
