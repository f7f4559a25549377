/**
 * FROZEN: the wire encoding of a call's shared part as the migrations 0002_shared_content and
 * 0004_author write it into `notify_calls.shared`, copied from notify/Encode.ts when the
 * migration set was frozen (issue 21). A migration must write the same bytes however the live
 * encoder changes later, so this copy is never edited: a new encoding gets a new migration
 * (with its own frozen copy) that rewrites the column.
 */

/** The shared fields of a call, as the frozen migrations read them (JSON columns as text). */
export interface FrozenSharedFields {
  readonly type: string | null
  readonly title: string | null
  /** JSON text. */
  readonly content: string
  readonly url: string | null
  readonly icon: string | null
  readonly image: string | null
  /** JSON text or null. */
  readonly data: string | null
  readonly author: string | null
  readonly createdAt: string
}

const q = JSON.stringify
const orNull = (v: string | null): string => (v === null ? "null" : q(v))

/** FROZEN: `,"type":…,"createdAt":…`, the shared part spliced after a frame's id and user. */
export const frozenEncodeShared = (n: FrozenSharedFields): string =>
  `,"type":${orNull(n.type)},"title":${orNull(n.title)},"content":${n.content},"url":${orNull(n.url)}` +
  `,"icon":${orNull(n.icon)},"image":${orNull(n.image)},"data":${n.data ?? "null"}` +
  `,"author":${orNull(n.author)},"createdAt":${q(n.createdAt)}`

/** The shared fields of a call from a row with the columns of `notify_calls` (author null when absent). */
export const frozenSharedFieldsOf = (c: Record<string, unknown>): FrozenSharedFields => ({
  type: c["type"] as string | null,
  title: c["title"] as string | null,
  content: String(c["content"]),
  url: c["url"] as string | null,
  icon: c["icon"] as string | null,
  image: c["image"] as string | null,
  data: c["data"] as string | null,
  author: (c["author"] as string | null | undefined) ?? null,
  createdAt: String(c["created_at"])
})
