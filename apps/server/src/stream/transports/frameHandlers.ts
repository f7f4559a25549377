/**
 * The seam through which a concept answers client frames of its own over WebSocket (channels'
 * `subscribe`, `publish`…, PROTOCOL.md §12; chat's `typing`, §13) without the connection
 * knowing it: a frame type that is in `ClientFrame` but not one of §4.1's actions is handed to
 * the handler registered for its type (node/frames.ts lists them, one line per concept). The
 * frame has been decoded by `ClientFrame` already; a handler answers the text to write back (a
 * `reply`), or nothing.
 */
import type { Session } from "../Session.js"

/** Answers one decoded client frame of the session it came on: the frame to write back, or none. */
export type ClientFrameHandler = (
  session: Session,
  frame: { readonly type: string }
) => Promise<string | undefined>

/** The handlers by frame type. */
export type ClientFrameHandlers = Readonly<Record<string, ClientFrameHandler>>

/** No handlers: only §4.1's actions are answered. */
export const noFrameHandlers: ClientFrameHandlers = {}
