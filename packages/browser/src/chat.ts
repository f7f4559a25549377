/**
 * `@pushback/browser/chat`: conversations between users (PROTOCOL.md §13) on a client's
 * connection — a separate entry point, so the core bundle keeps its budget. It adds no
 * connection of its own: the chat's stream entries (`message`, `conversation`,
 * `conversation_read`) reach it through the client once each and in order, in every tab (one
 * tab holds the connection, the others follow), and typing frames live. What it shows comes
 * from the documented REST API plus those entries (chatList.ts and chatThread.ts say how).
 *
 * ```ts
 * const chat = createChat(client)
 * const inbox = chat.conversations()        // a store: conversations with unread and lastMessage
 * const talk = chat.conversation("cnv_1")   // a store: messages, typing users; and the actions
 * await talk.send("Hello!")                 // shown at once, replaced by the stored message
 * ```
 */
import type { ChatEntryFrame, Message, MyConversation, TypingFrame } from "./chatTypes.js"
import { byActivity, readOf, withRead } from "./chatList.js"
import { type ConversationPage, makeListLoader } from "./chatListLoad.js"
import {
  type ChatMessage,
  firstStored,
  lastStored,
  mergeStored,
  optimistic,
  withStatus
} from "./chatThread.js"
import { userKey } from "./internal/claims.js"
import type { PushBackClient } from "./PushBackClient.js"
import type {
  Chat,
  ChatOptions,
  ConversationListSnapshot,
  ConversationSnapshot,
  ConversationView
} from "./chatApi.js"
import { newClientId, readable, stopTyping, type Thread, typingNow } from "./chatStore.js"

export type * from "./chatApi.js"
export type * from "./chatTypes.js"
export type { ChatMessage } from "./chatThread.js"

const LIST_PAGE = 50

/** The chat of `client`'s user. */
export const createChat = (client: PushBackClient, options: ChatOptions = {}): Chat => {
  const { typingInterval = 2000, typingTimeout = 4000, pageSize = 50 } = options
  const on = client.on as unknown as (type: string, listener: (frame: never) => void) => () => void
  const path = (id: string, rest = "") => `/v1/me/conversations/${encodeURIComponent(id)}${rest}`
  let me: string | undefined
  /** The user, from the token (the app part cut off). */
  const ready = client.token().then((token) => {
    const key = userKey(token)
    me = key?.slice(key.indexOf(":") + 1)
  })

  const list = readable<ConversationListSnapshot>({
    conversations: [],
    loaded: false,
    hasMore: false,
    unread: 0
  })
  const threads = new Map<string, Thread>()

  /** Shows a new list, and each open conversation's part of it. */
  const showList = (
    conversations: ReadonlyArray<MyConversation>,
    more?: Partial<ConversationListSnapshot>
  ) => {
    const unread = conversations.reduce((n, c) => n + c.unread, 0)
    list.set({ conversations, unread, ...more })
    for (const [id, t] of threads) {
      const conversation = conversations.find((c) => c.id === id)
      if (conversation !== t.store.getSnapshot().conversation) t.store.set({ conversation })
    }
  }
  const lists = makeListLoader(
    () =>
      ready.then(() => client.request<ConversationPage>("GET", `/v1/me/conversations?limit=${LIST_PAGE}`)),
    () => me,
    list.getSnapshot,
    showList
  )
  /** Whether the list was asked for (it is loaded from then on, and again after a failure). */
  let listAsked = false
  const listed = () => {
    listAsked = true
    if (!list.getSnapshot().loaded && !lists.loading) lists.load().catch(() => {})
  }

  /** Loads the latest page of a conversation's history (first use, or after a reload). */
  const loadLatest = (id: string, t: Thread): Promise<void> => {
    t.loading = ready
      .then(() =>
        client.request<{ messages: Array<Message> }>("GET", path(id, `/messages?limit=${pageSize}`))
      )
      .then(({ messages }) => {
        // A reload starts again from the latest page: older pages loaded before may have a hole after them.
        const pending = t.store.getSnapshot().messages.filter((m) => m.status !== "sent")
        t.store.set({
          messages: mergeStored(pending, messages),
          loaded: true,
          hasMore: messages.length === pageSize
        })
      })
      .finally(() => {
        t.loading = undefined
      })
    return t.loading
  }

  const onEntry = (entry: ChatEntryFrame) => {
    if (entry.type === "message") {
      const t = threads.get(entry.message.conversation)
      if (t !== undefined) {
        t.store.set({ messages: mergeStored(t.store.getSnapshot().messages, [entry.message]) })
        if (entry.message.author !== null) stopTyping(t, entry.message.author)
      }
    }
    lists.entry(entry)
  }
  const onTypingFrame = (frame: TypingFrame) => {
    const t = threads.get(frame.conversation)
    if (t === undefined || frame.user === me) return
    typingNow(t, frame.user, typingTimeout)
    for (const listener of t.onTyping) listener(frame.user)
  }
  const offs = [
    on("message", onEntry),
    on("conversation", onEntry),
    on("conversation_read", onEntry),
    on("typing", onTypingFrame),
    // The client reloads its inbox (a reset, a following tab's gap): what it missed is refetched.
    // A load out now may have been read before what was missed: it is made again after.
    on("reload", () => {
      if (list.getSnapshot().loaded || lists.loading) lists.load(true).catch(() => {})
      for (const [id, t] of threads) {
        const again = () => loadLatest(id, t).catch(() => {})
        if (t.loading !== undefined) t.loading.then(again, again)
        else if (t.store.getSnapshot().loaded) again()
      }
    }),
    // Connected again: a first load that failed meanwhile (the server was down) is made now.
    on("state", ({ state }: { state: string }) => {
      if (state !== "connected") return
      if (listAsked) listed()
      for (const [id, t] of threads)
        if (!t.store.getSnapshot().loaded && !t.loading) loadLatest(id, t).catch(() => {})
    })
  ]

  const conversation = (id: string): ConversationView => {
    listed()
    let t = threads.get(id)
    if (t === undefined) {
      const store = readable<ConversationSnapshot>({
        conversation: list.getSnapshot().conversations.find((c) => c.id === id),
        messages: [],
        loaded: false,
        hasMore: false,
        typingUsers: []
      })
      t = { store, typers: new Map(), onTyping: new Set(), lastTyping: -Infinity, loading: undefined }
      threads.set(id, t)
      loadLatest(id, t).catch(() => {})
    }
    const thread = t
    const { store } = thread
    const post = (m: ChatMessage): Promise<Message> =>
      client
        .request<Message>("POST", path(id, "/messages"), {
          text: m.text,
          ...(m.data === null ? {} : { data: m.data }),
          clientId: m.clientId
        })
        .then(
          (answer) => {
            // As its stream entry would (whichever comes first; the second changes nothing).
            onEntry({ type: "message", seq: 0, message: answer })
            return answer
          },
          (error: unknown) => {
            store.set({ messages: withStatus(store.getSnapshot().messages, m.key, "failed") })
            throw error
          }
        )
    return {
      id,
      getSnapshot: store.getSnapshot,
      subscribe: store.subscribe,
      async loadMore() {
        await thread.loading
        const before = firstStored(store.getSnapshot().messages)
        if (!store.getSnapshot().hasMore || before === undefined) return
        const { messages } = await client.request<{ messages: Array<Message> }>(
          "GET",
          path(id, `/messages?before=${before}&limit=${pageSize}`)
        )
        store.set({
          messages: mergeStored(store.getSnapshot().messages, messages),
          hasMore: messages.length === pageSize
        })
      },
      async send(text, { data = null } = {}) {
        await ready
        const m = optimistic(id, me ?? "", text, data, newClientId(), new Date().toISOString())
        store.set({ messages: [...store.getSnapshot().messages, m] })
        return post(m)
      },
      retry(key) {
        const m = store.getSnapshot().messages.find((x) => x.key === key && x.status === "failed")
        if (m === undefined) return Promise.reject(new Error(`PushBack chat: no failed message ${key}`))
        store.set({ messages: withStatus(store.getSnapshot().messages, key, "sending") })
        return post(m)
      },
      async markRead() {
        await ready
        const c = store.getSnapshot().conversation
        const seq = Math.max(lastStored(store.getSnapshot().messages), c?.lastSeq ?? 0)
        const read = c === undefined ? 0 : readOf(c, me)
        if (seq === 0 || seq <= read) return read
        // Shown at once; the `conversation_read` entry that follows changes nothing more.
        if (list.getSnapshot().loaded && me !== undefined)
          lists.step(withRead(list.getSnapshot().conversations, id, me, seq, me))
        const answer = await client.request<{ lastReadSeq: number }>("POST", path(id, "/read"), { seq })
        return answer.lastReadSeq
      },
      typing() {
        const now = Date.now()
        if (now - thread.lastTyping < typingInterval) return false
        thread.lastTyping = now
        // Over this tab's WebSocket when it holds one, else REST (not stored either way).
        if (!client.send({ type: "typing", conversation: id }))
          client.request("POST", path(id, "/typing")).catch(() => {})
        return true
      },
      onTyping(listener) {
        thread.onTyping.add(listener)
        return () => void thread.onTyping.delete(listener)
      },
      readBy(seq) {
        const c = store.getSnapshot().conversation
        return (c?.members ?? []).filter((m) => m.user !== me && m.lastReadSeq >= seq).map((m) => m.user)
      }
    }
  }

  return {
    get user() {
      return me
    },
    conversations() {
      listed()
      return {
        getSnapshot: list.getSnapshot,
        subscribe: list.subscribe,
        async loadMore() {
          if (lists.loading) await lists.load()
          const shown = list.getSnapshot().conversations
          if (!list.getSnapshot().hasMore) return
          const page = await client.request<ConversationPage>(
            "GET",
            `/v1/me/conversations?limit=${LIST_PAGE}&offset=${shown.length}`
          )
          const known = new Set(shown.map((c) => c.id))
          const all = byActivity([...shown, ...page.results.filter((c) => !known.has(c.id))])
          showList(all, { hasMore: all.length < page.count })
        }
      }
    },
    conversation,
    close() {
      for (const off of offs) off()
      for (const t of threads.values()) for (const timer of t.typers.values()) clearTimeout(timer)
    }
  }
}
