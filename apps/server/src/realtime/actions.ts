/**
 * Client actions over WebSocket (PROTOCOL.md §4.1): `seen`, `read`, `delete`, `unseen` and
 * `page`, each answered by a `reply` with the client's `ref`. They do what the REST API
 * does, so their stream entries reach every session of the user whatever its transport.
 */
import type { MarkActionFrame, PageActionFrame, UnseenActionFrame } from "@pushback/protocol"
import { Cause, Effect, Option } from "effect"
import type { ApiError } from "../ApiError.js"
import { Delivery } from "../Delivery.js"
import { encodeArray, encodeNotification } from "../Encode.js"
import { Store } from "../Store.js"
import { listNotifications } from "../http/lists.js"

/** An action frame after decoding. */
export type ActionFrame = MarkActionFrame | UnseenActionFrame | PageActionFrame

const MARK = { seen: "seen", read: "read", delete: "deleted" } as const

const replyOk = (ref: string | undefined, resultJson: string): string =>
  `{"type":"reply","ref":${JSON.stringify(ref ?? null)},"ok":true,"result":${resultJson}}`

const replyError = (ref: string | undefined, error: ApiError): string =>
  JSON.stringify({
    type: "reply",
    ref: ref ?? null,
    ok: false,
    error: { code: error.code, message: error.message }
  })

/**
 * Runs one action and answers the encoded `reply` frame (never fails). `listUrl` is the
 * absolute URL of the user's REST list, for the `next`/`previous` links of a page.
 */
export const runAction = (app: string, user: string, frame: ActionFrame, listUrl: string) =>
  Effect.gen(function* () {
    switch (frame.type) {
      case "seen":
      case "read":
      case "delete": {
        const ids = yield* (yield* Delivery).mark(app, user, MARK[frame.type], { ids: frame.ids })
        return replyOk(frame.ref, JSON.stringify({ updated: ids.length }))
      }
      case "unseen": {
        const store = yield* Store
        const { rows } = yield* store.listNotifications(app, user, {
          limit: 10_000,
          offset: 0,
          status: "unseen"
        })
        return replyOk(frame.ref, encodeArray(rows.map(encodeNotification)))
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
        return replyOk(frame.ref, list)
      }
    }
  }).pipe(
    Effect.catchAllCause((cause) => {
      const failure = Cause.failureOption(cause)
      if (Option.isSome(failure)) return Effect.succeed(replyError(frame.ref, failure.value as ApiError))
      console.error(`[pushback] internal error in a ${frame.type} action: ${Cause.pretty(cause)}`)
      return Effect.succeed(
        JSON.stringify({
          type: "reply",
          ref: frame.ref ?? null,
          ok: false,
          error: { code: "internal", message: "internal error" }
        })
      )
    })
  )
