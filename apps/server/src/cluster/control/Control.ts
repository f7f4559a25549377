/**
 * Control: "close these sessions everywhere" (PROTOCOL.md §6) — a user or an app deleted, an
 * app's secret rotated — whoever made the change. One node closes its own sessions; several
 * nodes also tell the others through Redis (cluster/redisControl.ts). Changes made by the CLI
 * never pass through a node: the app watch (cluster/appWatch.ts) finds those in storage.
 */
import { CloseCodes } from "@pushback/protocol"
import { Context, Effect, Layer } from "effect"
import { Sessions, type SessionsShape } from "../../stream/Sessions.js"

/** Which sessions to close, and why (the close reason the clients see). */
export type ControlCommand =
  | { readonly kind: "user"; readonly app: string; readonly user: string; readonly reason: string }
  | { readonly kind: "app"; readonly app: string; readonly reason: string }

/** The Control interface. */
export interface ControlShape {
  /** Closes the sessions `command` names on every node with 4001. Never fails. */
  readonly close: (command: ControlCommand) => Effect.Effect<void>
}

/** The Control service tag. */
export class Control extends Context.Tag("@pushback/server/Control")<Control, ControlShape>() {}

/** Closes this node's sessions that `command` names. */
export const closeLocally = (sessions: SessionsShape, command: ControlCommand): void =>
  command.kind === "user"
    ? sessions.closeWhere(
        (s) => s.app === command.app && s.user === command.user,
        CloseCodes.Unauthorized,
        command.reason
      )
    : sessions.closeWhere((s) => s.app === command.app, CloseCodes.Unauthorized, command.reason)

/** One node: close here. */
export const layerInProcessControl = Layer.effect(
  Control,
  Effect.map(Sessions, (sessions) => ({
    close: (command: ControlCommand) => Effect.sync(() => closeLocally(sessions, command))
  }))
)
