/**
 * Notification lists, shared by the backend list, the end-user list and the WebSocket
 * `page` action: filters, newest first, `next`/`previous` links, encoded once as JSON text.
 */
import type { ListStatus } from "@pushback/protocol"
import { Effect } from "effect"
import { encodeArray, encodeNotification } from "../notify/Encode.js"
import { Config } from "../config/Config.js"
import { Store } from "../storage/Store.js"

/** A list request, already validated. */
export interface ListRequest {
  readonly limit?: number | undefined
  readonly offset?: number | undefined
  readonly status?: ListStatus | undefined
  readonly type?: string | undefined
  readonly since?: string | undefined
  readonly before?: string | undefined
}

const linkTo = (base: string | undefined, req: ListRequest, limit: number, offset: number): string | null => {
  if (base === undefined) return null
  const params = new URLSearchParams({ limit: String(limit), offset: String(offset) })
  if (req.status !== undefined) params.set("status", req.status)
  if (req.type !== undefined) params.set("type", req.type)
  if (req.since !== undefined) params.set("since", req.since)
  if (req.before !== undefined) params.set("before", req.before)
  return `${base}?${params.toString()}`
}

/** Lists one user's notifications; `linkBase` is the absolute URL of the list (or none). */
export const listNotifications = (
  app: string,
  user: string,
  req: ListRequest,
  linkBase: string | undefined
) =>
  Effect.gen(function* () {
    const store = yield* Store
    const limit = req.limit ?? (yield* Config).limits.pageLimit
    const offset = req.offset ?? 0
    const { count, rows } = yield* store.listNotifications(app, user, {
      limit,
      offset,
      status: req.status ?? "all",
      type: req.type,
      since: req.since === undefined ? undefined : new Date(req.since).toISOString(),
      before: req.before === undefined ? undefined : new Date(req.before).toISOString()
    })
    const next = offset + rows.length < count ? linkTo(linkBase, req, limit, offset + limit) : null
    const previous = offset > 0 ? linkTo(linkBase, req, limit, Math.max(0, offset - limit)) : null
    return (
      `{"count":${count},"next":${JSON.stringify(next)},"previous":${JSON.stringify(previous)},` +
      `"results":${encodeArray(rows.map(encodeNotification))}}`
    )
  })
