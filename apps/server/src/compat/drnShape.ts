/**
 * The Django REST Notifications seed's notification shape (PROTOCOL.md §9, §16) — `{id, user,
 * readed, event: {id, timestamp, author, type, title, message, data}}`, `readed` being the read
 * time or null — made from a stored notification or from the one a stream frame carries, and its
 * WebSocket frames: `new` for a notification, `readed` for each one a read mark changed. Nothing
 * here stores anything.
 */
import type { Notification } from "@pushback/protocol"
import { Effect } from "effect"
import { callIdOf } from "../notify/Encode.js"
import type { Frame } from "../stream/Sessions.js"
import type { EventTypeRecord } from "../tenancy/TenancyStore.js"
import type { NotificationRecord } from "../inbox/records.js"
import { Store } from "../storage/Store.js"

/** The seed's event type: its declared title and description, the name alone when undeclared. */
const typeShape = (name: string | null, declared: ReadonlyArray<EventTypeRecord>) => {
  if (name === null) return null
  const t = declared.find((d) => d.name === name)
  return { id: name, name, title: t?.title ?? name, description: t?.description ?? null }
}

/** A stored notification as the v1 object (JSON fields parsed). */
const parsed = (n: NotificationRecord): Notification => ({
  id: n.id,
  user: n.user,
  type: n.type,
  title: n.title,
  content: JSON.parse(n.content),
  url: n.url,
  icon: n.icon,
  image: n.image,
  data: n.data === null ? null : JSON.parse(n.data),
  author: n.author,
  createdAt: n.createdAt,
  seenAt: n.seenAt,
  readAt: n.readAt
})

/**
 * When it was read as that system writes it (PROTOCOL.md §16): the UTC time
 * `YYYY-MM-DDTHH:MM:SS`, or null while unread — never a boolean.
 */
const readedOf = (readAt: string | null): string | null =>
  readAt === null ? null : new Date(readAt).toISOString().slice(0, 19)

/** A notification in the seed's shape; `declared` gives its type's title and description. */
export const drnShape = (n: Notification | NotificationRecord, declared: ReadonlyArray<EventTypeRecord>) => {
  const v = "seq" in n ? parsed(n) : n
  return {
    id: v.id,
    user: v.user,
    readed: readedOf(v.readAt),
    event: {
      id: callIdOf(v.id),
      timestamp: v.createdAt,
      author: v.author,
      type: typeShape(v.type, declared),
      title: v.title,
      message: v.content,
      data: v.data
    }
  }
}

/** Stored notifications of one user in the seed's shape. */
export const drnShapes = (app: string, rows: ReadonlyArray<NotificationRecord>) =>
  Effect.map(Store, (store) => store.listEventTypes(app)).pipe(
    Effect.flatten,
    Effect.map((declared) => rows.map((n) => drnShape(n, declared)))
  )

type Entry =
  | { type: "notification"; notification: Notification }
  | { type: "seen" | "read" | "deleted"; ids: ReadonlyArray<string> }

/**
 * What the seed's socket sends for one frame of a user's stream: `new` with a new
 * notification, `readed` with each notification a read mark changed, nothing for the rest
 * (welcome, seen, deleted: the seed has no such frames).
 */
export const drnFrames = (app: string, user: string, frame: Frame) =>
  Effect.gen(function* () {
    if (typeof frame === "string") return []
    const entry = JSON.parse(frame.payload) as Entry
    const store = yield* Store
    const declared = yield* store.listEventTypes(app)
    if (entry.type === "notification") {
      return [JSON.stringify({ action: "new", notification: drnShape(entry.notification, declared) })]
    }
    if (entry.type !== "read") return []
    const frames: Array<string> = []
    for (const id of entry.ids) {
      const n = yield* store.getNotification(app, user, id)
      if (n !== undefined)
        frames.push(JSON.stringify({ action: "readed", notification: drnShape(n, declared) }))
    }
    return frames
  })
