/**
 * Upgrading keeps the mail (issue 21: the email jobs became rows of the one outbox): a database
 * of the schema before the outbox (0006), with email jobs queued, held by a node that died,
 * failed, and a delayed `bcc` job, is migrated on start; the queued ones are sent (the delayed
 * one only to who has still not seen theirs), the failed one stays failed with its error, and
 * `GET /v1/notify/{callId}` and `pushback emails failed` say so. On SQLite and on PostgreSQL.
 */
import { execFile } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { Migrator, SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { CLI_PATH, type TestApp, type TestServer, testDatabaseUrl } from "@pushback/testkit"
import { Effect, Layer, Redacted } from "effect"
import { afterAll, beforeAll, expect, it } from "vitest"
import { encodeShared } from "../../src/notify/Encode.js"
import { migrationSteps } from "../../src/storage/migrations/migrations.js"
import { resultOf, startMailingServer, waitForCall } from "./helpers.js"
import { type SmtpCatcher, startSmtp } from "./smtp.js"

const APP: TestApp = { id: "app_mail", secret: `app_mail.${"m".repeat(40)}`, name: "mail" }
const at = new Date(Date.now() - 60_000).toISOString()

/** The schema before the outbox (0001–0006) and mail the way that server queued it. */
const writeOldDatabase = Effect.gen(function* () {
  // Only the steps before the outbox: later ones may build on it (0009 indexes it).
  const before = Object.fromEntries(Object.entries(migrationSteps).filter(([name]) => name < "0007"))
  yield* Migrator.make({})({ loader: Migrator.fromRecord(before), table: "pushback_migrations" })
  const sql = yield* SqlClient.SqlClient
  yield* sql`INSERT INTO apps (id, name, secret, created_at) VALUES (${APP.id}, 'mail', ${APP.secret}, ${at})`
  yield* sql`INSERT INTO users (app, id, email, created_at, seq)
    VALUES (${APP.id}, 'ann', 'ann@example.test', ${at}, 2), (${APP.id}, 'bob', 'bob@example.test', ${at}, 2)`
  const calls = [
    { id: "call_a", title: "Before the upgrade", email: { send: true } },
    { id: "call_b", title: "Still unseen?", email: { send: true, after: 60, bcc: true } }
  ]
  for (const c of calls) {
    const fields = {
      type: null,
      title: c.title,
      content: '"x"',
      url: null,
      icon: null,
      image: null,
      data: null,
      author: null,
      createdAt: at
    }
    yield* sql`INSERT INTO notify_calls (app, id, email, recipients, online, created_at, title, content, shared)
      VALUES (${APP.id}, ${c.id}, ${JSON.stringify(c.email)}, 2, 0, ${at}, ${c.title}, '"x"', ${encodeShared(fields)})`
  }
  const notifications = [
    ["ntf_a_0", "ann", "call_a", 1, null],
    ["ntf_a_1", "bob", "call_a", 1, null],
    ["ntf_b_0", "ann", "call_b", 2, null],
    ["ntf_b_1", "bob", "call_b", 2, at]
  ] as const
  for (const [id, user, call, seq, seen] of notifications) {
    yield* sql`INSERT INTO notifications (app, id, user_id, call_id, seq, created_at, seen_at)
      VALUES (${APP.id}, ${id}, ${user}, ${call}, ${seq}, ${at}, ${seen})`
    yield* sql`INSERT INTO entries (app, user_id, seq, created_at, call_id, ntf_id)
      VALUES (${APP.id}, ${user}, ${seq}, ${at}, ${call}, ${id})`
  }
  const ann = (n: string) => ({ user: "ann", notification: n, email: "ann@example.test" })
  const bob = (n: string) => ({ user: "bob", notification: n, email: "bob@example.test" })
  const jobs = [
    // Being retried, and held by a node that died (its lease ended a minute ago).
    ["eml_a_0", "call_a", "ntf_a_0", "ann", [ann("ntf_a_0")], 0, 1, at, "queued", "421 try later", null],
    ["eml_a_1", "call_a", "ntf_a_1", "bob", [bob("ntf_a_1")], 0, 1, null, "failed", "550 5.1.1 gone", at],
    ["eml_b", "call_b", null, null, [ann("ntf_b_0"), bob("ntf_b_1")], 1, 0, null, "queued", null, null]
  ] as const
  for (const [id, call, ntf, user, to, recheck, attempts, lease, state, error, failedAt] of jobs) {
    yield* sql`INSERT INTO email_jobs (id, app, call_id, notification_id, user_id, recipients, recheck,
        created_at, due_at, attempts, lease_until, state, last_error, failed_at)
      VALUES (${id}, ${APP.id}, ${call}, ${ntf}, ${user}, ${JSON.stringify(to)}, ${recheck}, ${at}, ${at},
        ${attempts}, ${lease}, ${state}, ${error}, ${failedAt})`
  }
})

const dataDir = mkdtempSync(join(tmpdir(), "pushback-mail-upgrade-"))
let smtp: SmtpCatcher
let server: TestServer

beforeAll(async () => {
  const url = await testDatabaseUrl(dataDir)
  const client: Layer.Layer<SqlClient.SqlClient, unknown> = url.startsWith("sqlite:")
    ? SqliteClient.layer({ filename: url.slice("sqlite:".length) })
    : PgClient.layer({ url: Redacted.make(url) })
  await Effect.runPromise(
    writeOldDatabase.pipe(Effect.provide(Layer.orDie(client)), Effect.orDie, Effect.scoped)
  )
  smtp = await startSmtp()
  server = await startMailingServer(smtp.url, { dataDir })
})
afterAll(async () => {
  await server?.dispose()
  await smtp?.stop()
})

it("sends the queued mail after the upgrade and keeps the failed job's error", async () => {
  const first = await smtp.waitFor((m) => m.mail.messageId === "<ntf_a_0@example.test>")
  expect(first.rcptTo).toEqual(["ann@example.test"])
  expect(first.mail.subject).toBe("Before the upgrade")
  // The delayed bcc job, addressed to the From: only ann has not seen hers.
  const bcc = await smtp.waitFor((m) => m.mail.messageId === "<call_b@example.test>")
  expect([...bcc.rcptTo].sort()).toEqual(["alerts@example.test", "ann@example.test"])

  const a = await waitForCall(server, APP, "call_a", (c) => c.emails.queued === 0)
  expect(a.emails).toEqual({ queued: 0, sent: 1, failed: 1, skipped: 0 })
  expect(resultOf(a, "ann")).toMatchObject({ email: "sent" })
  expect(resultOf(a, "ann").emailError).toBeUndefined()
  expect(resultOf(a, "bob")).toMatchObject({ email: "failed", emailError: "550 5.1.1 gone" })
  const b = await waitForCall(server, APP, "call_b", (c) => c.emails.sent === 1)
  expect(b.emails).toEqual({ queued: 0, sent: 1, failed: 0, skipped: 0 })
  // The job keeps whom it mailed: bob, who had seen his, was not.
  expect(resultOf(b, "ann").email).toBe("sent")
  expect(resultOf(b, "bob").email).toBe("none")
  expect(smtp.messages).toHaveLength(2)

  const { stdout } = await promisify(execFile)(
    process.execPath,
    [CLI_PATH, "emails", "failed", "--app", APP.id, "--db", await testDatabaseUrl(dataDir)],
    { env: { ...process.env, PUSHBACK_ADMIN_TOKEN: "" } }
  )
  expect(stdout.trim().split("\n")).toEqual([
    ["eml_a_1", APP.id, "call_a", at, "bob@example.test", "550 5.1.1 gone"].join("\t")
  ])
})
