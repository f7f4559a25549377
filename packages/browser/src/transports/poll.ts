/**
 * The long-poll transport, `/v1/poll`: a loop of GETs for networks where neither WebSocket
 * nor a streaming answer gets through. The token is a query parameter so that a poll is a
 * simple cross-origin request (no preflight each time). A resumed connection starts with
 * `wait=0`, so it is established at once; later polls ask to wait up to `WAIT` seconds for
 * entries. A poll not answered within its wait and `pongTimeout` (a dead network, a proxy
 * that holds the request) ends the connection with `HeartbeatTimeout`, so the client
 * reconnects from its cursor instead of waiting on it forever.
 */
import { Codes } from "../Codes.js"
import type { ResolvedPlatform } from "../Platform.js"
import type { Liveness, Transport } from "../Transport.js"
import type { ServerFrame } from "../types.js"

/** Seconds a poll asks the server to wait for entries (PROTOCOL.md §4: `wait=25`). */
const WAIT = 25

/** Builds the long-poll transport over `platform.fetch`. */
export const poll = (platform: ResolvedPlatform, { pongTimeout = 10_000 }: Liveness): Transport => {
  let stop: (() => void) | undefined
  const close = () => {
    stop?.()
    stop = undefined
  }
  return {
    name: "poll",
    actions: false,
    supported: () => true,
    connect({ url, token, cursor }, handlers) {
      close()
      let live = true
      let abort = new AbortController()
      /** The deadline of the poll in flight. */
      let deadline: unknown
      const halt = () => {
        live = false
        platform.clearTimeout(deadline)
        abort.abort()
      }
      stop = halt
      const end = (code: number, reason: string) => {
        if (!live) return
        halt()
        handlers.close(code, reason)
      }
      let opened = false
      const loop = async (cursor: number | undefined): Promise<void> => {
        while (live) {
          abort = new AbortController()
          // Without a cursor the server answers at once; a resumed connection's first poll too.
          const wait = cursor !== undefined && opened ? WAIT : 0
          const query = cursor === undefined ? "" : `&cursor=${cursor}&wait=${wait}`
          deadline = platform.setTimeout(
            () => end(Codes.HeartbeatTimeout, "poll timeout"),
            wait * 1000 + pongTimeout
          )
          const res = await platform.fetch(`${url}/v1/poll?token=${encodeURIComponent(token)}${query}`, {
            cache: "no-store",
            signal: abort.signal
          })
          if (!live) return
          if (res.status !== 200) {
            const code =
              res.status === 401
                ? Codes.Unauthorized
                : res.status === 503
                  ? Codes.GoingAway
                  : Codes.ConnectionLost
            return end(code, `poll answered ${res.status}`)
          }
          const body = (await res.json()) as { frames: ReadonlyArray<ServerFrame>; cursor: number }
          platform.clearTimeout(deadline)
          if (!live) return
          if (!opened) {
            opened = true
            handlers.open()
          }
          for (const frame of body.frames) {
            if (live) handlers.frame(frame)
          }
          cursor = body.cursor
        }
      }
      loop(cursor).catch(() => end(Codes.ConnectionLost, "connection lost"))
    },
    send: () => false,
    close
  }
}
