/**
 * Client actions over WebSocket (PROTOCOL.md §4.1): `seen`, `read`, `delete`, `unseen` and
 * `page`, each answered by a `reply` with the client's `ref`. They do what the REST API
 * does, so their stream entries reach every session of the user whatever its transport.
 */
import type { MarkActionFrame, PageActionFrame, UnseenActionFrame } from "@pushback/protocol"
import { Cause, Effect, Option } from "effect"
import type { ApiError } from "../../http/ApiError.js"
import { Delivery } from "../../notify/Delivery.js"
import { encodeArray, encodeNotification } from "../../notify/Encode.js"
import type { Config } from "../../config/Config.js"
import { Store } from "../../storage/Store.js"
import { listNotifications } from "../../inbox/lists.js"

/** An action frame after decoding. */
export type ActionFrame = MarkActionFrame | UnseenActionFrame | PageActionFrame

const MARK = { seen: "seen", read: "read", delete: "deleted" } as const

const replyOk = (ref: string, resultJson: string): string =>
  `{"type":"reply","ref":${JSON.stringify(ref)},"ok":true,"result":${resultJson}}`

const replyError = (ref: string, error: Pick<ApiError, "code" | "message">): string =>
  JSON.stringify({
    type: "reply",
    ref,
    ok: false,
    error: { code: error.code, message: error.message }
  })

/**
 * Runs one action and answers the encoded `reply` frame, or nothing for a mark sent without
 * a `ref` (fire and forget). Never fails. `listUrl` is the absolute URL of the user's REST
 * list, for the `next`/`previous` links of a page.
 */
export const runAction = (
  app: string,
  user: string,
  frame: ActionFrame,
  listUrl: string
): Effect.Effect<string | undefined, never, Delivery | Store | Config> => {
  const ref = frame.ref
  if (ref === undefined) return runOnly(app, user, frame, listUrl).pipe(Effect.ignore, Effect.as(undefined))
  return runOnly(app, user, frame, listUrl).pipe(
    Effect.map((result) => replyOk(ref, result)),
    Effect.catchAllCause((cause) => {
      const failure = Cause.failureOption(cause)
      if (Option.isSome(failure)) return Effect.succeed(replyError(ref, failure.value))
      console.error(`[pushback] internal error in a ${frame.type} action: ${Cause.pretty(cause)}`)
      return Effect.succeed(replyError(ref, { code: "internal", message: "internal error" }))
    })
  )
}

/** The action itself: its result as JSON text. */
const runOnly = (app: string, user: string, frame: ActionFrame, listUrl: string) =>
  Effect.gen(function* () {
    switch (frame.type) {
      case "seen":
      case "read":
      case "delete": {
        const ids = yield* (yield* Delivery).mark(app, user, MARK[frame.type], { ids: frame.ids })
        return JSON.stringify({ updated: ids.length })
      }
      case "unseen": {
        const store = yield* Store
        const { rows } = yield* store.listNotifications(app, user, {
          limit: 10_000,
          offset: 0,
          status: "unseen"
        })
        return encodeArray(rows.map(encodeNotification))
      }
      case "page": {
        const list = yield* listNotifications(
          app,
          user,
          {
            limit: frame.limit,
            offset: frame.offset,
            status: frame.status,
            type: frame.eventType,
            since: frame.since,
            before: frame.before
          },
          listUrl
        )
        return list
      }
    }
  })
