/**
 * `useNotifications`: the inbox — loaded notifications, counts, connection state, whether
 * more pages exist — and the actions on it, read from the SDK store.
 */
import type { Snapshot } from "@pushback/browser"
import { useMemo, useSyncExternalStore } from "react"
import { useSource } from "./internal/context.js"
import { EMPTY } from "./internal/source.js"

/** The actions of `useNotifications`; stable for the life of the provider's client. */
export interface NotificationActions {
  /** Marks notifications seen; resolves with how many changed. */
  readonly markSeen: (ids: ReadonlyArray<string>) => Promise<number>
  /** Marks notifications read (and seen); resolves with how many changed. */
  readonly markRead: (ids: ReadonlyArray<string>) => Promise<number>
  /** Deletes notifications; resolves with how many changed. */
  readonly remove: (ids: ReadonlyArray<string>) => Promise<number>
  /** Marks every notification of the user seen; resolves with how many changed. */
  readonly markAllSeen: () => Promise<number>
  /** Loads the next page of older notifications. */
  readonly loadMore: () => Promise<void>
}

/** What `useNotifications` returns: the store's snapshot and the actions. */
export interface UseNotificationsResult extends Snapshot, NotificationActions {}

const serverSnapshot = () => EMPTY

/**
 * The notifications of the provider's user and the actions on them. Re-renders on every
 * change of the store; for a badge, `useUnseenCount` re-renders only when the count changes.
 * Actions called before an options provider has created its client wait for it.
 */
export const useNotifications = (): UseNotificationsResult => {
  const source = useSource("useNotifications")
  const snapshot = useSyncExternalStore(source.subscribe, source.getSnapshot, serverSnapshot)
  const actions = useMemo<NotificationActions>(
    () => ({
      markSeen: (ids) => source.client().then((c) => c.markSeen(ids)),
      markRead: (ids) => source.client().then((c) => c.markRead(ids)),
      remove: (ids) => source.client().then((c) => c.remove(ids)),
      markAllSeen: () => source.client().then((c) => c.markAllSeen()),
      loadMore: () => source.client().then((c) => c.loadMore())
    }),
    [source]
  )
  return useMemo(() => ({ ...snapshot, ...actions }), [snapshot, actions])
}
