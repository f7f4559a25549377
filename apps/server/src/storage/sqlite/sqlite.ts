/**
 * The embedded SQLite backend: one file, WAL mode, `synchronous=FULL` so a 2xx survives a
 * power cut. Migrates on start. Reads go through `@effect/sql` (portable, see sqlReads.ts);
 * every write goes to one `better-sqlite3` connection on the writer thread, with statements
 * prepared once and group commit (writer.ts, sqliteWrites.ts, groupCommit.ts). Apps and
 * event types are answered from memory (catalog.ts).
 */
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import Database from "better-sqlite3"
import { Context, Effect, Layer } from "effect"
import { notificationEntries } from "../../notify/Encode.js"
import { Store, type StoreShape } from "../Store.js"
import { makeCatalog } from "./catalog.js"
import { makeEmailStore } from "../../email/emailReads.js"
import { makeOutboxReads } from "../../outbox/outboxReads.js"
import { OutboxStore, type OutboxStoreShape } from "../../outbox/OutboxStore.js"
import { makePushReads } from "../../push/pushReads.js"
import { PushStore, type PushStoreShape } from "../../push/PushStore.js"
import { runMigrations } from "../migrations/migrations.js"
import { makeTopicReads } from "../../topics/topicReads.js"
import { TopicStore, type TopicStoreShape } from "../../topics/TopicStore.js"
import { ConversationStore } from "../../conversations/ConversationStore.js"
import { makeSqliteConversationStore } from "../../conversations/sqliteConversationStore.js"
import { WebhookSends, type WebhookSendsShape } from "../../webhooks/WebhookStore.js"
import { makeSqlReads } from "../sqlReads.js"
import { startWriter } from "./writer.js"

const makeSqliteStore = (filename: string, writerThread: URL | undefined) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql`PRAGMA busy_timeout = 5000`.pipe(Effect.orDie)
    yield* runMigrations.pipe(Effect.orDie)
    const reads = yield* makeSqlReads
    const writer = yield* startWriter(filename, writerThread)
    // The catalog reads on a connection of this thread: a microsecond, no message to the writer.
    const catalog = makeCatalog(
      yield* Effect.acquireRelease(
        Effect.sync(() => new Database(filename)),
        (db) => Effect.sync(() => db.close())
      )
    )
    const push: PushStoreShape = {
      ...(yield* makePushReads),
      keepKeys: (fresh) => writer.run("keepPushKeys", fresh),
      subscribe: (app, user, id, sub, now, max) => writer.run("subscribePush", app, user, id, sub, now, max),
      unsubscribe: (app, user, id) => writer.run("unsubscribePush", app, user, id),
      forget: (app, id) => writer.run("forgetPush", app, id)
    }

    const topics: TopicStoreShape = {
      ...(yield* makeTopicReads),
      put: (app, key, change, now) => writer.run("putTopic", app, key, change, now),
      remove: (app, key) => writer.run("removeTopic", app, key),
      subscribe: (app, key, users, now) => writer.run("subscribeTopic", app, key, users, now),
      unsubscribe: (app, key, users) => writer.run("unsubscribeTopic", app, key, users),
      setMutes: (app, user, mutes) => writer.run("setTopicMutes", app, user, mutes)
    }

    const outbox: OutboxStoreShape = {
      ...(yield* makeOutboxReads),
      claim: (kind, now, lease, limit) => writer.runSoon("claimOutbox", kind, now, lease, limit),
      settle: (id, owner, settlement) => writer.runSoon("settleOutbox", id, owner, settlement),
      retry: (kind, app, ids, now) => writer.run("retryOutbox", kind, app, ids, now)
    }
    const webhookSends: WebhookSendsShape = {
      takeBatch: (app, endpointId, leader, now, until, max) =>
        writer.run("takeWebhookBatch", app, endpointId, leader, now, until, max),
      settleBatch: (leader, at) => writer.runSoon("settleWebhookBatch", leader, at),
      record: (attempt, effect) => writer.runSoon("recordWebhookAttempt", attempt, effect)
    }
    const store: StoreShape = {
      ...reads,
      durability: writer.durability,
      getApp: (id) => Effect.sync(() => catalog.app(id)),
      findApp: catalog.app,
      listEventTypes: (app) => Effect.sync(() => catalog.eventTypes(app)),
      findEventTypes: catalog.eventTypes,
      createApp: (app) => writer.run("createApp", app),
      deleteApp: (id) => writer.run("deleteApp", id),
      setSecret: (id, secret) => writer.run("setSecret", id, secret),
      upsertUsers: (app, users, now) => writer.run("upsertUsers", app, users, now),
      deleteUser: (app, id) => writer.run("deleteUser", app, id),
      putEventType: (app, type) => writer.run("putEventType", app, type),
      deleteEventType: (app, name) => writer.run("deleteEventType", app, name),
      putPreferences: (app, user, prefs) => writer.run("putPreferences", app, user, prefs),
      notify: (job) =>
        writer.call("notify", job).then((outcome) =>
          outcome._tag === "Stored"
            ? {
                _tag: "Stored" as const,
                response: outcome.response,
                entries: notificationEntries(
                  job.stem,
                  job.shared,
                  outcome.users,
                  outcome.seqs,
                  outcome.topics
                )
              }
            : outcome
        ),
      mark: (app, user, kind, target, now) => writer.run("mark", app, user, kind, target, now),
      markDelivered: (receipts) => writer.run("markDelivered", receipts),
      prune: (before, keep, keysBefore, statsBefore) =>
        writer.run("prune", before, keep, keysBefore, statsBefore),
      emails: yield* makeEmailStore(outbox)
    }
    return Context.make(Store, store).pipe(
      Context.add(OutboxStore, outbox),
      Context.add(PushStore, push),
      Context.add(TopicStore, topics),
      Context.add(ConversationStore, yield* makeSqliteConversationStore(writer.run)),
      Context.add(WebhookSends, webhookSends)
    )
  })

/** Store (and the outbox's, push's and topics' stores) on a SQLite file (created with its directory when missing). */
export const layerSqliteStore = (
  filename: string,
  writerThread?: URL
): Layer.Layer<Store | OutboxStore | PushStore | TopicStore | ConversationStore | WebhookSends> => {
  const client = Layer.unwrapEffect(
    Effect.sync(() => {
      mkdirSync(dirname(filename), { recursive: true })
      return SqliteClient.layer({ filename })
    })
  ).pipe(Layer.orDie)
  return Layer.scopedContext(makeSqliteStore(filename, writerThread)).pipe(Layer.provide(client))
}
