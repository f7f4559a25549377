/**
 * The one migration set for every Store backend, in order. The steps are FROZEN
 * (steps0001to0004.ts, steps0005to0007.ts): a step that has run on a database is never
 * edited, and nothing in this folder imports from the app, so changing the live wire encoding
 * never changes what an old migration writes. A change of schema is a new step, added here.
 */
import { Migrator } from "@effect/sql"
import { author, init, settings, sharedContent } from "./steps0001to0004.js"
import { email, outbox, stats } from "./steps0005to0007.js"
import { push } from "./step0008push.js"
import { webhooks } from "./step0009webhooks.js"
import { topics } from "./step0010topics.js"
import { channels } from "./step0011channels.js"
import { conversations } from "./step0012conversations.js"
import { fillfactor } from "./step0013fillfactor.js"

/** Every migration step, by `NNNN_name` (a test builds an old database from the first ones). */
export const migrationSteps = {
  "0001_init": init,
  "0002_shared_content": sharedContent,
  "0003_settings": settings,
  "0004_author": author,
  "0005_email": email,
  "0006_stats": stats,
  "0007_outbox": outbox,
  "0008_push": push,
  "0009_webhooks": webhooks,
  "0010_topics": topics,
  "0011_channels": channels,
  "0012_conversations": conversations,
  "0013_fillfactor": fillfactor
}

/** Every migration, in order. */
export const migrations = Migrator.fromRecord(migrationSteps)

/** Runs pending migrations with any SqlClient (no schema dump, no extra services). */
export const runMigrations = Migrator.make({})({ loader: migrations, table: "pushback_migrations" })
