/**
 * PostgreSQL text cannot hold U+0000, which SQLite stores as any other character. So no stored
 * key can contain it: a read or delete by such a key (a path id like `/v1/users/%00`, a token's
 * `sub`) answers what SQLite answers for a key that names nothing, without asking the database
 * (which would refuse the parameter and turn a 404 into a 500).
 */
import type { StoreShape } from "../Store.js"
import { Effect } from "effect"

const hasNul = (v: unknown): boolean =>
  typeof v === "string"
    ? v.includes("\u0000")
    : Array.isArray(v)
      ? v.some(hasNul)
      : typeof v === "object" && v !== null && Object.values(v).some(hasNul)

type Keyed = Exclude<
  keyof StoreShape,
  "ping" | "durability" | "listApps" | "adminTokens" | "prune" | "createApp" | "upsertUsers"
>

/** What each keyed method answers for a key no row can have. */
const NOTHING: Partial<Record<Keyed, (...args: Array<never>) => unknown>> = {
  getApp: () => undefined,
  getUser: () => undefined,
  getNotification: () => undefined,
  deleteApp: () => false,
  setSecret: () => false,
  deleteUser: () => false,
  deleteEventType: () => false,
  listUsers: () => ({ count: 0, users: [] }),
  listCalls: () => ({ count: 0, calls: [] }),
  listNotifications: () => ({ count: 0, rows: [] }),
  listEventTypes: () => [],
  getPreferences: () => [],
  counts: () => ({ unseen: 0, unread: 0, total: 0, cursor: 0 }),
  streamAfter: (_app: never, _user: never, cursor: number) => ({
    resumable: cursor === 0,
    latest: 0,
    oldest: null,
    entries: []
  }),
  stats: () => ({ users: 0, notifications: 0, delivered: 0, seen: 0, read: 0 }),
  mark: () => ({ ids: [], entries: [] })
}

/** `store` with keys holding U+0000 answered as absent; a mark's other ids still apply. */
export const withoutNulKeys = (store: StoreShape): StoreShape => {
  const guarded: Record<string, unknown> = { ...store }
  for (const [name, nothing] of Object.entries(NOTHING)) {
    const method = store[name as Keyed] as (...args: Array<unknown>) => Effect.Effect<unknown>
    guarded[name] =
      name === "mark"
        ? (app: string, user: string, kind: unknown, target: { ids?: ReadonlyArray<string> }, now: string) =>
            hasNul(user)
              ? Effect.succeed(nothing())
              : method(
                  app,
                  user,
                  kind,
                  target.ids ? { ids: target.ids.filter((id) => !hasNul(id)) } : target,
                  now
                )
        : (...args: Array<unknown>) =>
            args.some(hasNul)
              ? Effect.succeed((nothing as (...a: Array<unknown>) => unknown)(...args))
              : method(...args)
  }
  return guarded as unknown as StoreShape
}
