/**
 * Encoding of notifications and frames into JSON text, done once per entry. Stored JSON
 * (`content`, `data`) is spliced in as text, never parsed and re-serialized, and for a
 * notify to many users the shared part is serialized once: only `id`, `user`, `seq` differ.
 * A `notification` entry keeps its frame in those pieces (its recipient's head, the call's
 * `SharedBody`, the tail), so a transport can write the body every recipient shares as one
 * Buffer instead of a copy of it per recipient; its whole text is made only when asked for.
 */
import type { NotificationRecord } from "../inbox/records.js"

/** One stream entry: its seq and the encoded frame every session is handed as is. */
export interface StreamEntry {
  readonly user: string
  readonly seq: number
  /** The frame's JSON text. */
  readonly payload: string
  /** For a `notification` entry of a call: its id and the pieces of its frame (Encode.ts). */
  readonly notification?: NotificationParts
}

const q = JSON.stringify
const orNull = (v: string | null): string => (v === null ? "null" : q(v))

/** The part of a notification shared by every recipient of one notify call (JSON as text). */
export type SharedNotification = Omit<
  NotificationRecord,
  "id" | "user" | "topic" | "seq" | "seenAt" | "readAt" | "deliveredAt"
>

/** Serializes the shared fields once: `,"type":…,"createdAt":…` (after id, user and topic). */
export const encodeShared = (n: SharedNotification): string =>
  `,"type":${orNull(n.type)},"title":${orNull(n.title)},"content":${n.content},"url":${orNull(n.url)}` +
  `,"icon":${orNull(n.icon)},"image":${orNull(n.image)},"data":${n.data ?? "null"}` +
  `,"author":${orNull(n.author)},"createdAt":${q(n.createdAt)}`

/** A whole Notification object as JSON text. */
export const encodeNotification = (n: NotificationRecord): string =>
  `{"id":${q(n.id)},"user":${q(n.user)},"topic":${orNull(n.topic)}${encodeShared(n)},"seenAt":${orNull(n.seenAt)},"readAt":${orNull(n.readAt)},"deliveredAt":${orNull(n.deliveredAt)}}`

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

/** How every `notification` frame ends, after the shared part. */
export const NOTIFICATION_TAIL = ',"seenAt":null,"readAt":null}}'

/** The recipient's part of a `notification` frame, before the shared part. */
const notificationHead = (seq: number, id: string, user: string, topic: string | null): string =>
  `{"type":"notification","seq":${seq},"notification":{"id":${q(id)},"user":${q(user)},"topic":${orNull(topic)}`

/** A `notification` frame's text for one recipient, from the pre-encoded shared part. */
export const encodeNotificationFrame = (
  seq: number,
  id: string,
  user: string,
  shared: string,
  topic: string | null = null
): string => `${notificationHead(seq, id, user, topic)}${shared}${NOTIFICATION_TAIL}`

/** The shared part of one call's `notification` frames (`encodeShared`), with what is derived from it once. */
export class SharedBody {
  private utf8: Buffer | undefined
  private breaks: boolean | undefined
  constructor(readonly text: string) {}
  /** As UTF-8, made once for every recipient. */
  get bytes(): Buffer {
    if (this.utf8 === undefined) this.utf8 = Buffer.from(this.text)
    return this.utf8
  }
  /** Whether it holds a raw line break (JSON text never does; an SSE data line cannot). */
  get hasLineBreak(): boolean {
    if (this.breaks === undefined) this.breaks = /[\r\n]/.test(this.text)
    return this.breaks
  }
  /** When the call was made (ms): `createdAt` is the shared part's last field. */
  createdAt(): number | undefined {
    const at = Date.parse(this.text.slice(-25, -1))
    return Number.isNaN(at) ? undefined : at
  }
}

/** What a `notification` entry of a call is made of: its frame is `head` + `body` + the tail. */
export interface NotificationParts {
  readonly id: string
  /** The topic its user was reached through, or null (PROTOCOL.md §11). */
  readonly topic: string | null
  readonly head: string
  readonly body: SharedBody
}

/** A `notification` stream entry whose text is made the first time it is read. */
class NotificationEntry implements StreamEntry {
  private text: string | undefined
  constructor(
    readonly user: string,
    readonly seq: number,
    readonly notification: NotificationParts
  ) {}
  get payload(): string {
    if (this.text === undefined)
      this.text = `${this.notification.head}${this.notification.body.text}${NOTIFICATION_TAIL}`
    return this.text
  }
}

/** The `notification` entry of recipient `user` (notification `id`, reached through `topic`) at `seq`. */
export const notificationEntry = (
  seq: number,
  id: string,
  user: string,
  body: SharedBody,
  topic: string | null = null
): StreamEntry =>
  new NotificationEntry(user, seq, { id, topic, head: notificationHead(seq, id, user, topic), body })

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

/**
 * The `notification` stream entries of one call: recipient `i` is `users[i]` at `seqs[i]`,
 * reached through `topics[i]` (none given: every one named).
 */
export const notificationEntries = (
  stem: string,
  shared: string,
  users: ReadonlyArray<string>,
  seqs: ReadonlyArray<number>,
  topics?: ReadonlyArray<string | null>
): Array<StreamEntry> => {
  const body = new SharedBody(shared)
  const entries: Array<StreamEntry> = new Array(users.length)
  for (let i = 0; i < users.length; i++)
    entries[i] = notificationEntry(seqs[i]!, recipientId(stem, i), users[i]!, body, topics?.[i] ?? null)
  return entries
}
