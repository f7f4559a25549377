/**
 * The chat's small parts that are not about conversations: a store (a snapshot, its writer and
 * its listeners), the state an opened conversation keeps beside its store, and new `clientId`s.
 */
import type { ConversationSnapshot } from "./chatApi.js"

/** A store of `S` and its writer. */
export const readable = <S>(snapshot: S) => {
  const listeners = new Set<() => void>()
  return {
    getSnapshot: () => snapshot,
    subscribe(listener: () => void) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    set(patch: Partial<S>) {
      snapshot = { ...snapshot, ...patch }
      for (const listener of listeners) listener()
    }
  }
}

/** A store made by `readable`. */
export type Store<S> = ReturnType<typeof readable<S>>

/** One opened conversation's state besides its store. */
export interface Thread {
  readonly store: Store<ConversationSnapshot>
  readonly typers: Map<string, ReturnType<typeof setTimeout>>
  readonly onTyping: Set<(user: string) => void>
  lastTyping: number
  loading: Promise<void> | undefined
}

/** A `clientId`: random, unique per send. */
export const newClientId = (): string =>
  globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`

/** `user` stops showing as typing in `t` (their timeout passed, or their message came). */
export const stopTyping = (t: Thread, user: string): void => {
  const timer = t.typers.get(user)
  if (timer === undefined) return
  clearTimeout(timer)
  t.typers.delete(user)
  t.store.set({ typingUsers: [...t.typers.keys()] })
}

/** `user` signalled typing in `t`: shown (again) for `timeout` ms. */
export const typingNow = (t: Thread, user: string, timeout: number): void => {
  clearTimeout(t.typers.get(user))
  const fresh = !t.typers.has(user)
  t.typers.set(
    user,
    setTimeout(() => stopTyping(t, user), timeout)
  )
  if (fresh) t.store.set({ typingUsers: [...t.typers.keys()] })
}
