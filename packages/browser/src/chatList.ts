/**
 * The user's conversation list as a pure function of what reaches the chat: the REST page
 * (`GET /v1/me/conversations`) and the stream entries after it. Each rule is idempotent — an
 * entry the page already reflects changes nothing (a message at or below `lastSeq` is neither
 * counted nor shown twice, read marks only move forward) — so entries that cross the page on
 * the wire can be applied in any order against it. What the entries cannot tell (a conversation
 * the list has not loaded, a partial read of one's own) asks for a refetch instead of a guess.
 */
import type { ChatEntryFrame, ConversationMember, Message, MyConversation } from "./chatTypes.js"

/** The next list, or `refetch`: the entry says something the list cannot work out alone. */
export type ListStep = ReadonlyArray<MyConversation> | "refetch"

/** When a conversation last moved: its latest message, else its creation. */
export const activity = (c: MyConversation): string => c.lastMessage?.createdAt ?? c.createdAt

/** Most recent activity first (as the server lists them). */
export const byActivity = (list: ReadonlyArray<MyConversation>): ReadonlyArray<MyConversation> =>
  [...list].sort((a, b) => (activity(a) < activity(b) ? 1 : activity(a) > activity(b) ? -1 : 0))

/** Members with read marks that only move forward. */
const mergeMembers = (
  known: ReadonlyArray<ConversationMember>,
  next: ReadonlyArray<ConversationMember>
): ReadonlyArray<ConversationMember> =>
  next.map((m) => {
    const before = known.find((k) => k.user === m.user)
    return before !== undefined && before.lastReadSeq > m.lastReadSeq ? before : m
  })

/** How far `user` has read `c` (0 when not a member). */
export const readOf = (c: MyConversation, user: string | undefined): number =>
  c.members.find((m) => m.user === user)?.lastReadSeq ?? 0

/** A stored message applied to the list: newest message, unread count, moved to the top. */
export const withMessage = (
  list: ReadonlyArray<MyConversation>,
  m: Message,
  me: string | undefined
): ListStep => {
  const c = list.find((x) => x.id === m.conversation)
  if (c === undefined) return "refetch"
  // At or below lastSeq: the page (or an earlier entry) had it.
  if (m.seq <= c.lastSeq) return list
  const unread = c.unread + (m.author !== me && m.seq > readOf(c, me) ? 1 : 0)
  const next: MyConversation = { ...c, lastSeq: m.seq, lastMessage: m, unread }
  return [next, ...list.filter((x) => x !== c)]
}

/** `user` read `id` up to `seq`: the member's mark moves forward; one's own clears the unread. */
export const withRead = (
  list: ReadonlyArray<MyConversation>,
  id: string,
  user: string,
  seq: number,
  me: string | undefined
): ListStep => {
  const c = list.find((x) => x.id === id)
  if (c === undefined) return list
  const members = c.members.map((m) =>
    m.user === user && m.lastReadSeq < seq ? { ...m, lastReadSeq: seq } : m
  )
  let { unread } = c
  if (user === me && seq > readOf(c, me)) {
    // All read: nothing left. Part of it (another session read up to an older message): ask.
    if (seq < c.lastSeq) return "refetch"
    unread = 0
  }
  return list.map((x) => (x === c ? { ...c, members, unread } : x))
}

/** Applies one stream entry of the chat to the list. */
export const applyToList = (
  list: ReadonlyArray<MyConversation>,
  entry: ChatEntryFrame,
  me: string | undefined
): ListStep => {
  switch (entry.type) {
    case "message":
      return withMessage(list, entry.message, me)
    case "conversation_read":
      return withRead(list, entry.conversation, entry.user, entry.lastReadSeq, me)
    case "conversation": {
      const next = entry.conversation
      const c = list.find((x) => x.id === next.id)
      // Deleted (no members any more), or this user was removed: it leaves the list.
      if (!next.members.some((m) => m.user === me)) return list.filter((x) => x !== c)
      if (c === undefined) {
        // New to this user: with no message yet it is complete; else its unread count is the server's.
        return next.lastSeq === 0
          ? byActivity([...list, { ...next, unread: 0, lastMessage: null }])
          : "refetch"
      }
      const changed: MyConversation = {
        ...c,
        title: next.title,
        data: next.data,
        // lastSeq stays: the message entries up to this one came before it, on the same stream.
        members: mergeMembers(c.members, next.members)
      }
      return list.map((x) => (x === c ? changed : x))
    }
  }
}
