/**
 * A stored notification and the filters and marks of an inbox, as plain data: what the inbox
 * port (InboxStore.ts) reads and writes and what the encoder (notify/Encode.ts) turns into JSON.
 */

/** A stored notification, before it is shaped for the wire. */
export interface NotificationRecord {
  readonly id: string
  readonly user: string
  /** The topic through which the user was reached (PROTOCOL.md §11), null when named. */
  readonly topic: string | null
  readonly seq: number
  readonly type: string | null
  readonly title: string | null
  /** JSON text. */
  readonly content: string
  readonly url: string | null
  readonly icon: string | null
  readonly image: string | null
  /** JSON text or null. */
  readonly data: string | null
  /** Who caused it (a user id), or null. */
  readonly author: string | null
  readonly createdAt: string
  readonly seenAt: string | null
  readonly readAt: string | null
  /** When it was first written to a session of its user, or null. */
  readonly deliveredAt: string | null
}

/** Filters of a notification list. */
export interface ListFilter {
  readonly limit: number
  readonly offset: number
  readonly status: "all" | "unseen" | "unread" | "read"
  readonly type?: string | undefined
  readonly since?: string | undefined
  readonly before?: string | undefined
  /** Only notifications read at or after this instant (the Django REST Notifications `readed=<time>`). */
  readonly readSince?: string | undefined
}

/** Which notifications a mark applies to. */
export type MarkTarget = { readonly ids: ReadonlyArray<string> } | { readonly all: true }

/** A kind of mark, as it appears in the stream. */
export type MarkKind = "seen" | "read" | "deleted"
