/**
 * The messages of one conversation as a pure function of what reaches them: pages of history,
 * live `message` entries, the answers to sends, and the optimistic messages `send` shows at
 * once. Stored messages are kept in `seq` order, each once (a page and the stream overlap);
 * an optimistic message carries the `clientId` it is sent with, and the stored message with the
 * same author and `clientId` — the 201 answer or the stream entry, whichever comes first —
 * takes its place under the same `key`, so a list rendered by `key` does not flicker.
 */
import type { Message } from "./chatTypes.js"

/** A message as the chat shows it: stored (`sent`), on its way (`sending`), or refused (`failed`). */
export interface ChatMessage extends Message {
  /** `sending` and `failed` messages have `seq` 0: the server has not numbered them. */
  readonly status: "sending" | "sent" | "failed"
  /** Stable across the optimistic message and the stored one: a key for rendering lists. */
  readonly key: string
}

/** The rendering key of a message: its author's `clientId` when it has one, else its `seq`. */
export const keyOf = (m: Pick<Message, "author" | "clientId" | "seq">): string =>
  m.clientId !== undefined && m.author !== null ? `${m.author}/${m.clientId}` : `#${m.seq}`

/** A stored message as shown. */
export const sent = (m: Message): ChatMessage => ({ ...m, status: "sent", key: keyOf(m) })

/**
 * Stored messages merged in: each `seq` once, in order, then the messages still on their way
 * (or refused) whose stored version has not arrived, in the order they were sent.
 */
export const mergeStored = (
  shown: ReadonlyArray<ChatMessage>,
  stored: ReadonlyArray<Message>
): ReadonlyArray<ChatMessage> => {
  const bySeq = new Map<number, ChatMessage>()
  for (const m of shown) if (m.status === "sent") bySeq.set(m.seq, m)
  for (const m of stored) if (!bySeq.has(m.seq)) bySeq.set(m.seq, sent(m))
  const ordered = [...bySeq.values()].sort((a, b) => a.seq - b.seq)
  const keys = new Set(ordered.map((m) => m.key))
  return [...ordered, ...shown.filter((m) => m.status !== "sent" && !keys.has(m.key))]
}

/** The optimistic message of a send, shown until the stored one arrives. */
export const optimistic = (
  conversation: string,
  author: string,
  text: string,
  data: unknown,
  clientId: string,
  createdAt: string
): ChatMessage => {
  const m = { conversation, seq: 0, author, text, data, createdAt, clientId }
  return { ...m, status: "sending", key: keyOf(m) }
}

/** The message under `key` with another status (a retry, a refusal); unchanged when it was stored meanwhile. */
export const withStatus = (
  shown: ReadonlyArray<ChatMessage>,
  key: string,
  status: "sending" | "failed"
): ReadonlyArray<ChatMessage> =>
  shown.map((m) => (m.key === key && m.status !== "sent" ? { ...m, status } : m))

/** The newest stored `seq` shown (0: none). */
export const lastStored = (shown: ReadonlyArray<ChatMessage>): number =>
  shown.reduce((max, m) => (m.status === "sent" && m.seq > max ? m.seq : max), 0)

/** The oldest stored `seq` shown (undefined: none), where older history continues. */
export const firstStored = (shown: ReadonlyArray<ChatMessage>): number | undefined =>
  shown.find((m) => m.status === "sent")?.seq
