/**
 * The script-tag build's entry (`dist/pushback.global.js`, served by the server at
 * `/pushback.js` and `/static/core/js/pusher.js`): its default export becomes the global
 * `PushBack` itself (tsup's IIFE `globalName`, then a footer that unwraps the default), so pages
 * call `PushBack.init(…)`, not `PushBack.PushBack.init(…)`.
 *
 * It also takes the seed's page snippet as it is (PROTOCOL.md §9): `PushBack.init(userToken,
 * userId)` connects to the server this script was loaded from, and then `subscribe`'s first
 * callback receives the seed's `{data, notification}`, `data` being the notification's
 * `content` (the seed's `e.data`). The object form is unchanged. Only a script tag knows where
 * it was loaded from, so this lives here, not in the ESM entry.
 */
import { PushBack, type PushBackStatic } from "./PushBack.js"
import type { PushBackOptions } from "./PushBackClient.js"
import type { Notification } from "./types.js"

/** The server this script came from: its URL without the script's path (read while it runs). */
const server = (document.currentScript as HTMLScriptElement | null)?.src.replace(
  /\/(static\/core\/js\/pusher|pushback)\.js([?#].*)?$/,
  ""
)
/** Whether the default client came from the seed's two-argument `init`. */
let seed = false

const SeedPushBack: PushBackStatic = Object.assign(Object.create(PushBack) as PushBackStatic, {
  init: (options: PushBackOptions | string, _userId?: string | number) => {
    seed = typeof options === "string"
    return PushBack.init(
      typeof options === "string" ? { url: server ?? location.origin, token: options } : options
    )
  },
  subscribe: (
    onNotification: (event: Notification | { data: unknown; notification: Notification }) => void,
    onDisconnect?: Parameters<PushBackStatic["subscribe"]>[1]
  ) =>
    PushBack.subscribe(
      seed ? (notification) => onNotification({ data: notification.content, notification }) : onNotification,
      onDisconnect
    )
})

export default SeedPushBack
