// One "node" of the channel measurement (bench/cluster/channels.mjs), a child process with one
// Redis subscriber connection, told what to do over IPC. It holds a set of users (the users it
// has sessions of) and, per variant, receives a notify's frames the way that design would:
//   user: one message per recipient on that user's channel, the frame ready to send;
//   bus:  one message on the shared channel; JSON.parse it, keep the recipients it holds, build
//         their frames from the shared part (as redisBus.ts localEntries does).
// When it has every frame of its users it reports the monotonic time and the CPU it used.
import Redis from "ioredis"
import { BUS_CHANNEL, notificationFrame, recipientId, userChannel } from "./frames.mjs"

let sub
let app
let users = []
let mine = new Set()
let expected = 0
let got = 0
let total = 0
let cpu0
let delivered = [] // the frames "handed to sessions", kept until the next round

const send = (m) => process.send(m)
const cpuSince = (c) => {
  const d = process.cpuUsage(c)
  return d.user + d.system
}

const deliver = (frame) => {
  delivered.push(frame)
  total++
  if (++got === expected) send({ type: "done", t: process.hrtime.bigint().toString(), cpu: cpuSince(cpu0) })
}

const onMessage = (channel, text) => {
  if (channel !== BUS_CHANNEL) return deliver(text)
  const m = JSON.parse(text)
  const [stem, shared, us, seqs] = m.c
  for (let i = 0; i < us.length; i++) {
    const user = us[i]
    if (mine.has(user)) deliver(notificationFrame(seqs[i], recipientId(stem, i), user, shared))
  }
}

/** Times `f` (monotonic ms) and its CPU (µs). */
const timed = async (f) => {
  const c = process.cpuUsage()
  const t = performance.now()
  await f()
  return { ms: performance.now() - t, cpu: cpuSince(c) }
}

const handlers = {
  async init(m) {
    app = m.app
    users = m.users
    mine = new Set(users)
    sub = new Redis(m.url, { lazyConnect: true, enableAutoPipelining: false })
    sub.on("message", onMessage)
    await sub.connect()
    return {}
  },
  // One SUBSCRIBE per user, all sent at once: what a node does as its sessions arrive.
  subscribeUsers: () => timed(() => Promise.all(users.map((u) => sub.subscribe(userChannel(app, u))))),
  unsubscribeAll: () => timed(() => sub.unsubscribe()),
  subscribeBus: () => timed(() => sub.subscribe(BUS_CHANNEL)),
  arm() {
    expected = users.length
    got = 0
    delivered = []
    cpu0 = process.cpuUsage()
    return {}
  },
  count: () => ({ total }),
  async quit() {
    await sub.quit()
    setImmediate(() => process.exit(0))
    return {}
  }
}

process.on("message", (m) => {
  Promise.resolve(handlers[m.type](m)).then(
    (r) => send({ type: "reply", id: m.id, ...r }),
    (e) => send({ type: "reply", id: m.id, error: String(e?.stack ?? e) })
  )
})
process.on("disconnect", () => process.exit(1))
