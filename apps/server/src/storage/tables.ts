/**
 * Which tables hold whose rows, for the writes that erase an app or a user: one list for
 * every store, beside the one migration history (migrations.ts) that creates them.
 */

/**
 * The tables that hold an app's rows besides `apps` and `users`: what erasing an app deletes,
 * with those two, in every store.
 */
export const APP_ROW_TABLES = [
  "entries",
  "notifications",
  "notify_calls",
  "preferences",
  "event_types",
  "idempotency_keys",
  "stats_buckets",
  "outbox",
  "push_subscriptions",
  "webhook_endpoints",
  "webhook_attempts",
  "topics",
  "topic_subscribers",
  "topic_mutes",
  "channel_namespaces",
  "conversations",
  "conversation_members",
  "messages",
  "conversation_settings"
] as const

/** The tables that hold a user's rows besides `users`: what erasing a user deletes, with the user. */
export const USER_ROW_TABLES = [
  "entries",
  "notifications",
  "preferences",
  "outbox",
  "push_subscriptions",
  "topic_subscribers",
  "topic_mutes",
  "conversation_members"
] as const
