/**
 * `useConversations`: the provider's user's conversations (PROTOCOL.md §13) over
 * `@pushback/browser/chat` — each with its unread count and latest message, most recent activity
 * first, live. The chat runs on the provider's client (one per client, made on first use), so
 * it opens no connection of its own; during server rendering and before an options provider has
 * created its client, the list is empty and not loaded.
 */
import type { PushBackClient } from "@pushback/browser"
import { type Chat, type ConversationListSnapshot, createChat } from "@pushback/browser/chat"
import { useMemo, useSyncExternalStore } from "react"
import { usePushBackClient } from "./usePushBackClient.js"

const chats = new WeakMap<PushBackClient, Chat>()

/** The chat of `client` (one per client, made on first use). */
export const chatOf = (client: PushBackClient): Chat => {
  let chat = chats.get(client)
  if (chat === undefined) {
    chat = createChat(client)
    chats.set(client, chat)
  }
  return chat
}

/** The chat of the provider's client; undefined on the server and before the client exists. */
export const useChat = (): Chat | undefined => {
  const client = usePushBackClient()
  return useMemo(() => (client === undefined ? undefined : chatOf(client)), [client])
}

/** What `useConversations` returns: the list's snapshot and `loadMore`. */
export interface UseConversationsResult extends ConversationListSnapshot {
  /** Loads the next page of older conversations. */
  readonly loadMore: () => Promise<void>
}

const EMPTY: ConversationListSnapshot = Object.freeze({
  conversations: Object.freeze([]),
  loaded: false,
  hasMore: false,
  unread: 0
})
const empty = () => EMPTY
const none = () => () => {}

/**
 * The conversations of the provider's user, live: `unread` per conversation and in all (a
 * badge), `lastMessage`, members with their read marks. Re-renders on every change of the list.
 */
export const useConversations = (): UseConversationsResult => {
  const chat = useChat()
  const list = useMemo(() => chat?.conversations(), [chat])
  const snapshot = useSyncExternalStore(list?.subscribe ?? none, list?.getSnapshot ?? empty, empty)
  return useMemo(
    () => ({ ...snapshot, loadMore: () => list?.loadMore() ?? Promise.resolve() }),
    [snapshot, list]
  )
}
