/**
 * `useConversation(id)`: one conversation (PROTOCOL.md §13) over `@pushback/browser/chat` — its
 * messages (history and live, with the ones being sent shown at once), who is typing, read
 * receipts, and what the user does in it: send, retry, mark read, signal typing, load older
 * messages. On the provider's client, like `useConversations`.
 */
import type { ConversationSnapshot, ConversationView, Message } from "@pushback/browser/chat"
import { useMemo, useSyncExternalStore } from "react"
import { useChat } from "./useConversations.js"

/** The actions of `useConversation`; stable for the conversation and the provider's client. */
export interface ConversationActions {
  /** Sends a message (shown at once, replaced by the stored one); rejects when refused (it stays `failed`). */
  readonly send: (text: string, options?: { readonly data?: unknown }) => Promise<Message>
  /** Sends a `failed` message again with the same `clientId`. */
  readonly retry: (key: string) => Promise<Message>
  /** Marks the conversation read up to its latest message; resolves with the read mark. */
  readonly markRead: () => Promise<number>
  /** Tells the others the user is typing (call it on every keystroke: at most one signal per 2 s goes out). */
  readonly typing: () => void
  /** Loads older messages. */
  readonly loadMore: () => Promise<void>
  /** The other members who have read the message `seq` (read receipts). */
  readonly readBy: (seq: number) => ReadonlyArray<string>
}

/** What `useConversation` returns: the conversation's snapshot and the actions. */
export interface UseConversationResult extends ConversationSnapshot, ConversationActions {}

const EMPTY: ConversationSnapshot = Object.freeze({
  conversation: undefined,
  messages: Object.freeze([]),
  loaded: false,
  hasMore: false,
  typingUsers: Object.freeze([])
})
const empty = () => EMPTY
const none = () => () => {}
const notYet = () => Promise.reject(new Error("PushBack: no client yet"))

/**
 * The conversation `id` (undefined: none chosen; everything empty), live. Re-renders on every
 * change of its messages, typing users or read marks.
 */
export const useConversation = (id: string | undefined): UseConversationResult => {
  const chat = useChat()
  const view: ConversationView | undefined = useMemo(
    () => (chat === undefined || id === undefined ? undefined : chat.conversation(id)),
    [chat, id]
  )
  const snapshot = useSyncExternalStore(view?.subscribe ?? none, view?.getSnapshot ?? empty, empty)
  const actions = useMemo<ConversationActions>(
    () =>
      view === undefined
        ? { send: notYet, retry: notYet, markRead: notYet, typing() {}, loadMore: notYet, readBy: () => [] }
        : {
            send: (text, options) => view.send(text, options),
            retry: (key) => view.retry(key),
            markRead: () => view.markRead(),
            typing: () => void view.typing(),
            loadMore: () => view.loadMore(),
            readBy: (seq) => view.readBy(seq)
          },
    [view]
  )
  // readBy reads the members of the snapshot: a new result when they change.
  return useMemo(() => ({ ...snapshot, ...actions }), [snapshot, actions])
}
