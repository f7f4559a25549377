/**
 * The conversation list's loading: the first page over REST, with the stream entries that arrive
 * meanwhile held and applied to it once it is in (chatList.ts's rules are idempotent, so an entry
 * the page already reflects changes nothing), and a load again when an entry cannot be worked
 * out or when a fresh page was asked for while a load was out (its answer may predate what the
 * asker missed: a `reset`, the first welcome).
 */
import type { ConversationListSnapshot } from "./chatApi.js"
import { applyToList, type ListStep } from "./chatList.js"
import type { ChatEntryFrame, MyConversation } from "./chatTypes.js"

/** A page of `GET /v1/me/conversations`. */
export interface ConversationPage {
  readonly count: number
  readonly results: ReadonlyArray<MyConversation>
}

/** The list's loads and the entries and steps applied to it. */
export interface ListLoader {
  /** Loads the first page; `fresh`: a load already out is followed by another once it answers. */
  load(fresh?: boolean): Promise<void>
  /** A stream entry: held while a load is out, applied once loaded, nothing before. */
  entry(entry: ChatEntryFrame): void
  /** A step worked out from the shown list (a send's answer, one's own read mark). */
  step(step: ListStep): void
  /** Whether a load is out. */
  readonly loading: boolean
}

/**
 * The loader of the list `shown` (its snapshot), read with `page()`, shown with `show`;
 * `me()` is the user (their own messages are no unread).
 */
export const makeListLoader = (
  page: () => Promise<ConversationPage>,
  me: () => string | undefined,
  shown: () => ConversationListSnapshot,
  show: (conversations: ReadonlyArray<MyConversation>, more?: Partial<ConversationListSnapshot>) => void
): ListLoader => {
  /** Loading: the entries that arrive meanwhile. */
  let held: Array<ChatEntryFrame> | undefined
  let out: Promise<void> = Promise.resolve()
  /** Asked for a fresh page while a load was out: load again once it answers. */
  let stale = false

  const step = (next: ListStep) => {
    if (next === "refetch") load(true).catch(() => {})
    else if (next !== shown().conversations) show(next)
  }
  const load = (fresh = false): Promise<void> => {
    if (held !== undefined) {
      stale ||= fresh
      return out
    }
    stale = false
    held = []
    out = page().then(
      (answer) => {
        let conversations = answer.results
        let again = stale
        for (const entry of held ?? []) {
          const next = applyToList(conversations, entry, me())
          if (next === "refetch") again = true
          else conversations = next
        }
        held = undefined
        show(conversations, { loaded: true, hasMore: answer.results.length < answer.count })
        if (again) return load()
      },
      (error: unknown) => {
        held = undefined
        throw error
      }
    )
    return out
  }
  return {
    load,
    step,
    entry(entry) {
      if (held !== undefined) held.push(entry)
      else if (shown().loaded) step(applyToList(shown().conversations, entry, me()))
    },
    get loading() {
      return held !== undefined
    }
  }
}
