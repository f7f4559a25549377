/**
 * The app watch: once a second, the apps this node has live sessions of are read from
 * storage, and sessions whose app is gone or whose secret changed are closed (4001). It is
 * how a change made by the CLI — which writes storage and talks to no node — closes live
 * sessions, on one node as on many, and it backs up Control when Redis lost a message.
 */
import { CloseCodes } from "@pushback/protocol"
import { Effect } from "effect"
import type { SessionsShape } from "./Sessions.js"
import { Store } from "../storage/Store.js"

/** How often the apps of live sessions are checked (PROTOCOL.md §6: closed within 2 s). */
export const APP_WATCH_MS = 1000

/** One check: closes the sessions of deleted apps and of rotated secrets. */
export const checkApps = (sessions: SessionsShape) =>
  Effect.gen(function* () {
    const live = sessions.list()
    if (live.length === 0) return
    const secrets = yield* (yield* Store).appSecrets([...new Set(live.map((s) => s.app))])
    for (const s of live) {
      const secret = secrets.get(s.app)
      if (secret === undefined) s.close(CloseCodes.Unauthorized, "app deleted")
      else if (secret !== s.appSecret) s.close(CloseCodes.Unauthorized, "app secret rotated")
    }
  })
