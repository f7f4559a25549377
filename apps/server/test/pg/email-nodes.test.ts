/**
 * Email on several nodes (PROTOCOL.md §6, §7): two nodes on one PostgreSQL database both run an
 * outbox worker, and jobs that fall due at the same instant on both are claimed with
 * `FOR UPDATE SKIP LOCKED`, so every message is sent by one node: each address gets exactly one.
 */
import { createApp, type TestServer } from "@pushback/testkit"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { notifyOk, QUICK_OUTBOX, startMailingServer, waitForCall } from "../email/helpers.js"
import { type SmtpCatcher, startSmtp } from "../email/smtp.js"

let smtp: SmtpCatcher
let a: TestServer
let b: TestServer

beforeAll(async () => {
  smtp = await startSmtp()
  a = await startMailingServer(smtp.url)
  // A second node on the same database (the data dir names the database).
  b = await startMailingServer(smtp.url, { dataDir: a.dataDir })
})
afterAll(async () => {
  await b?.kill()
  await a?.dispose()
  await smtp?.stop()
})

describe("two nodes sending from one outbox", () => {
  it("sends each of 40 messages due at once exactly once", async () => {
    expect(QUICK_OUTBOX.pollMs).toBeLessThan(1000)
    const app = await createApp(a, "email-nodes")
    const users = Array.from({ length: 40 }, (_, i) => ({ id: `n${i}`, email: `n${i}@example.test` }))
    // Half the calls through each node, all due one second later: both workers wake for them.
    const calls = await Promise.all([
      notifyOk(a, app, {
        users: users.slice(0, 20),
        title: "Both",
        content: "x",
        email: { force: true, after: 1 }
      }),
      notifyOk(b, app, {
        users: users.slice(20),
        title: "Both",
        content: "x",
        email: { force: true, after: 1 }
      })
    ])
    for (const [i, call] of calls.entries()) {
      await waitForCall(i === 0 ? a : b, app, call.id, (c) => c.emails.sent === 20, 20_000)
    }
    const got = smtp.messages.filter((m) => m.mail.subject === "Both").flatMap((m) => m.rcptTo)
    expect(got.length).toBe(40)
    expect(new Set(got).size).toBe(40)
  })
})
