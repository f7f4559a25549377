/**
 * The Notification record as every reader sees it: REST lists, stream frames and SDKs.
 */
import { Schema } from "effect"
import { Json, Timestamp, UserId } from "./Common.js"

/** One notification for one user (PROTOCOL.md §3.3). */
export const Notification = Schema.Struct({
  id: Schema.String,
  user: UserId,
  /**
   * The topic through which the user was reached (the first listed one that holds them), null
   * when the call named them (PROTOCOL.md §11). Servers before topics leave it out.
   */
  topic: Schema.optional(Schema.NullOr(Schema.String)),
  type: Schema.NullOr(Schema.String),
  title: Schema.NullOr(Schema.String),
  content: Json,
  url: Schema.NullOr(Schema.String),
  icon: Schema.NullOr(Schema.String),
  image: Schema.NullOr(Schema.String),
  data: Schema.NullOr(Json),
  /** Who caused it (a user id of the app), when the notify call named one (PROTOCOL.md §9). */
  author: Schema.NullOr(UserId),
  createdAt: Timestamp,
  seenAt: Schema.NullOr(Timestamp),
  readAt: Schema.NullOr(Timestamp),
  /**
   * When it was first written to any session of its user, live or on resume (PROTOCOL.md §8);
   * null until then. REST reads carry it; a stream frame, being that first write, leaves it out.
   */
  deliveredAt: Schema.optional(Schema.NullOr(Timestamp))
})
export type Notification = typeof Notification.Type
