/**
 * The client frames each concept answers over WebSocket beyond §4.1's actions, by type: one
 * line per concept (channels' subscribe/publish…, chat's typing). The connection hands each
 * such frame, decoded by `ClientFrame`, to its handler (stream/transports/frameHandlers.ts).
 */
import type { ManagedRuntime } from "effect"
import { channelFrameHandlers } from "../channels/wsFrames.js"
import type { ClientFrameHandlers } from "../stream/transports/frameHandlers.js"
import { typingFrameHandler } from "../conversations/typingFrame.js"
import type { NodeServices } from "./layers.js"

/** Every concept's client-frame handlers, running their work on the node's `runtime`. */
export const clientFrameHandlers = (
  runtime: ManagedRuntime.ManagedRuntime<NodeServices, never>
): ClientFrameHandlers => ({
  ...channelFrameHandlers(runtime),
  typing: typingFrameHandler(runtime)
})
