/**
 * The WebSocket `typing` frame (PROTOCOL.md §13): `{"type":"typing","conversation"}` from a
 * member, handed over by the connection through the client-frame seam
 * (stream/transports/frameHandlers.ts, listed in node/frames.ts). It does what
 * `POST /v1/me/conversations/{id}/typing` does; with a `ref` it is answered by a `reply`
 * (`{forwarded}`, or `not_found` for a conversation the user is no member of), without one
 * nothing is written back.
 */
import type { TypingActionFrame } from "@pushback/protocol"
import { Effect, type ManagedRuntime } from "effect"
import type { ClientFrameHandler } from "../stream/transports/frameHandlers.js"
import type { ConversationStore } from "./ConversationStore.js"
import { typing } from "./conversations.js"
import type { Typing } from "./Typing.js"

/** The handler of `typing` frames, running on the node's `runtime`. */
export const typingFrameHandler =
  (runtime: ManagedRuntime.ManagedRuntime<ConversationStore | Typing, never>): ClientFrameHandler =>
  async (session, frame) => {
    const f = frame as TypingActionFrame
    const outcome = await runtime.runPromise(Effect.either(typing(session.app, session.user, f.conversation)))
    if (f.ref === undefined) return undefined
    const ref = JSON.stringify(f.ref)
    return outcome._tag === "Right"
      ? `{"type":"reply","ref":${ref},"ok":true,"result":{"forwarded":${outcome.right}}}`
      : JSON.stringify({
          type: "reply",
          ref: f.ref,
          ok: false,
          error: { code: outcome.left.code, message: outcome.left.message }
        })
  }
