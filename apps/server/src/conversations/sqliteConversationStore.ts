/**
 * The ConversationStore on SQLite: the portable reads (conversationReads.ts) beside the writes,
 * each handed to the writer thread as one operation of its next group commit
 * (sqliteConversationWrites.ts, registered with the other writes in storage/sqlite/sqliteWrites.ts).
 */
import { Effect } from "effect"
import type { SqliteWrites } from "../storage/sqlite/sqliteWrites.js"
import { makeConversationReads } from "./conversationReads.js"
import type { ConversationStoreShape } from "./ConversationStore.js"

/** Runs one writer-thread operation after its commit (storage/sqlite/writer.ts `run`). */
export type WriterRun = <K extends keyof SqliteWrites>(
  op: K,
  ...args: Parameters<SqliteWrites[K]>
) => Effect.Effect<ReturnType<SqliteWrites[K]>>

/** The store over the writer's `run` and the SqlClient in context. */
export const makeSqliteConversationStore = (run: WriterRun) =>
  Effect.map(
    makeConversationReads,
    (reads): ConversationStoreShape => ({
      ...reads,
      create: (app, input, now) => run("createConversation", app, input, now),
      update: (app, id, change, now) => run("updateConversation", app, id, change, now),
      remove: (app, id, now) => run("removeConversation", app, id, now),
      post: (app, id, message, now) => run("postMessage", app, id, message, now),
      read: (app, id, user, seq, now) => run("readConversation", app, id, user, seq, now),
      claimAway: (app, id, user, retry) => run("claimConversationAway", app, id, user, retry),
      setNotifyAfter: (app, seconds) => run("setConversationNotifyAfter", app, seconds)
    })
  )
