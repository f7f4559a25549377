/**
 * Encoding of notifications and frames into JSON text, done once per entry. Stored JSON
 * (`content`, `data`) is spliced in as text, never parsed and re-serialized, and for a
 * notify to many users the shared part is serialized once: only `id`, `user`, `seq` differ.
 */
import type { NotificationRecord, StreamEntry } from "./Store.js"

const q = JSON.stringify
const orNull = (v: string | null): string => (v === null ? "null" : q(v))

/** The part of a notification shared by every recipient of one notify call (JSON as text). */
export type SharedNotification = Omit<
  NotificationRecord,
  "id" | "user" | "seq" | "seenAt" | "readAt" | "deliveredAt"
>

/** Serializes the shared fields once: `,"type":…,"readAt":null` (after id and user). */
export const encodeShared = (n: SharedNotification): string =>
  `,"type":${orNull(n.type)},"title":${orNull(n.title)},"content":${n.content},"url":${orNull(n.url)}` +
  `,"icon":${orNull(n.icon)},"image":${orNull(n.image)},"data":${n.data ?? "null"}` +
  `,"author":${orNull(n.author)},"createdAt":${q(n.createdAt)}`

/** A whole Notification object as JSON text. */
export const encodeNotification = (n: NotificationRecord): string =>
  `{"id":${q(n.id)},"user":${q(n.user)}${encodeShared(n)},"seenAt":${orNull(n.seenAt)},"readAt":${orNull(n.readAt)},"deliveredAt":${orNull(n.deliveredAt)}}`

/** How every `notification` frame begins (encodeNotificationFrame), up to its id. */
const NOTIFICATION_FRAME = /^\{"type":"notification","seq":\d+,"notification":\{"id":"([^"\\]+)"/

/** How every `notification` frame ends, after its 24-character `createdAt` (encodeNotificationFrame). */
const FRAME_END = '","seenAt":null,"readAt":null}}'

/** When the notification of a `notification` frame's text was created (ms), or undefined. */
export const notificationCreatedAtOf = (payload: string): number | undefined => {
  if (!payload.startsWith('{"type":"notification"') || !payload.endsWith(FRAME_END)) return undefined
  const at = Date.parse(payload.slice(-(FRAME_END.length + 24), -FRAME_END.length))
  return Number.isNaN(at) ? undefined : at
}

/** The notification id of a `notification` frame's text, or undefined for any other frame. */
export const notificationIdOf = (payload: string): string | undefined =>
  payload.startsWith('{"type":"notification"') ? NOTIFICATION_FRAME.exec(payload)?.[1] : undefined

/** A `notification` stream entry for one recipient, from the pre-encoded shared part. */
export const encodeNotificationFrame = (seq: number, id: string, user: string, shared: string): string =>
  `{"type":"notification","seq":${seq},"notification":{"id":${q(id)},"user":${q(user)}${shared},"seenAt":null,"readAt":null}}`

/** A `seen`/`read`/`deleted` stream entry. */
export const encodeMarkFrame = (
  kind: "seen" | "read" | "deleted",
  seq: number,
  ids: ReadonlyArray<string>
): string => `{"type":${q(kind)},"seq":${seq},"ids":${q(ids)}}`

/** A JSON array of already-encoded items. */
export const encodeArray = (items: ReadonlyArray<string>): string => `[${items.join(",")}]`

/** The id of recipient `index` of the call with id stem `stem`. */
export const recipientId = (stem: string, index: number): string => `ntf_${stem}_${index.toString(36)}`

/** The id of the notify call that made the notification `id` (`ntf_<stem>_<i>` → `call_<stem>`). */
export const callIdOf = (id: string): string => {
  const last = id.lastIndexOf("_")
  return id.startsWith("ntf_") && last > 4 ? `call_${id.slice(4, last)}` : id
}

/** The `notification` stream entries of one call: recipient `i` is `users[i]` at `seqs[i]`. */
export const notificationEntries = (
  stem: string,
  shared: string,
  users: ReadonlyArray<string>,
  seqs: ReadonlyArray<number>
): Array<StreamEntry> => {
  const entries: Array<StreamEntry> = new Array(users.length)
  for (let i = 0; i < users.length; i++) {
    const user = users[i]!
    const seq = seqs[i]!
    entries[i] = { user, seq, payload: encodeNotificationFrame(seq, recipientId(stem, i), user, shared) }
  }
  return entries
}
