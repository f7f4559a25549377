/**
 * What a push says (PROTOCOL.md §14): the JSON `{id, title, body, url, icon, image, tag, data,
 * markToken}` of one notification (`body` its content as text, `tag` its id, so a resend
 * replaces rather than repeats it), at most 3,800 bytes before encryption — what every push
 * service carries once encrypted. When it is larger, the body is shortened (never split into
 * several pushes); then, only if that is not enough, `data`, the title and the images go.
 */
import type { PushMessage } from "@pushback/protocol"
import type { PushContent } from "./PushStore.js"

/** Most bytes of a message's JSON before encryption. */
export const MAX_PUSH_BYTES = 3800

const ELLIPSIS = "…"

/** The content as a reader sees it: a string as is, any other JSON as compact JSON. */
const bodyOf = (json: string): string => {
  const value: unknown = JSON.parse(json)
  return typeof value === "string" ? value : JSON.stringify(value)
}

const size = (m: PushMessage) => Buffer.byteLength(JSON.stringify(m))

/** `text` cut to its first `n` code points (never half a surrogate pair), with an ellipsis. */
const cut = (text: string, n: number) => {
  const points = Array.from(text)
  return n >= points.length ? text : points.slice(0, n).join("") + ELLIPSIS
}

/** Shortens `field` of `m` to the longest prefix that fits, when one does. */
const shorten = (m: PushMessage, field: "body" | "title"): PushMessage => {
  const text = m[field]
  if (text === null || size(m) <= MAX_PUSH_BYTES) return m
  let lo = 0
  let hi = Array.from(text).length
  if (size({ ...m, [field]: cut(text, 0) }) > MAX_PUSH_BYTES)
    return { ...m, [field]: field === "body" ? "" : null }
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (size({ ...m, [field]: cut(text, mid) }) <= MAX_PUSH_BYTES) lo = mid
    else hi = mid - 1
  }
  return { ...m, [field]: cut(text, lo) }
}

/** The message of one notification, with its `markToken`, within MAX_PUSH_BYTES. */
export const pushMessageOf = (content: PushContent, markToken: string): PushMessage => {
  let m: PushMessage = {
    id: content.id,
    title: content.title,
    body: bodyOf(content.content),
    url: content.url,
    icon: content.icon,
    image: content.image,
    tag: content.id,
    data: content.data === null ? null : JSON.parse(content.data),
    markToken
  }
  m = shorten(m, "body")
  if (size(m) > MAX_PUSH_BYTES) m = { ...m, data: null }
  m = shorten(m, "title")
  if (size(m) > MAX_PUSH_BYTES) m = { ...m, icon: null, image: null }
  if (size(m) > MAX_PUSH_BYTES) m = { ...m, url: null }
  return m
}
