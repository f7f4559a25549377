/**
 * Email delivery when the SMTP server says no (PROTOCOL.md §7): a permanent rejection (5xx)
 * fails the job at once with its error, visible in `GET /v1/notify/{callId}` and in
 * `pushback emails failed`, and `pushback emails retry` queues it again; a temporary one (4xx)
 * is retried until accepted; an SMTP server that is down delays the mail until it is back.
 */
import { execFile } from "node:child_process"
import { promisify } from "node:util"
import { CLI_PATH, type TestServer, testDatabaseUrl } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { mailingSuite, notifyOk, resultOf, waitForCall } from "./helpers.js"

const run = promisify(execFile)

/** Runs the CLI on the server's own database. */
const cli = async (server: TestServer, ...args: Array<string>) => {
  const db = await testDatabaseUrl(server.dataDir)
  const { stdout } = await run(process.execPath, [CLI_PATH, ...args, "--db", db], {
    env: { ...process.env, PUSHBACK_ADMIN_TOKEN: "" }
  })
  return stdout
}

describe("SMTP rejections", () => {
  const s = mailingSuite("rejections")

  it("550: failed at once, not retried, shown by the API and the CLI; the CLI retry sends it", async () => {
    s.smtp.answer = (address) =>
      address === "gone@example.test" ? { code: 550, message: "5.1.1 mailbox unavailable" } : undefined
    const sent = await notifyOk(s.server, s.app, {
      users: [{ id: "gone", email: "gone@example.test" }],
      title: "Bounce",
      content: "x",
      email: { send: true }
    })
    expect(sent.emails).toBe(1)
    const call = await waitForCall(s.server, s.app, sent.id, (c) => c.emails.failed === 1)
    expect(call.emails).toEqual({ queued: 0, sent: 0, failed: 1, skipped: 0 })
    const gone = resultOf(call, "gone")
    expect(gone.email).toBe("failed")
    expect(gone.emailError).toMatch(/550/)
    expect(gone.emailError).toMatch(/mailbox unavailable/)
    // One attempt only: a failed job is never taken up again by the worker.
    expect(s.smtp.refused).toEqual(["550 gone@example.test"])

    const listed = await cli(s.server, "emails", "failed", "--app", s.app.id)
    const line = listed.split("\n").find((l) => l.includes(sent.id))
    expect(line, listed).toBeDefined()
    const [jobId] = line!.split("\t")
    expect(line).toContain("gone@example.test")
    expect(line).toMatch(/550/)
    expect(await cli(s.server, "emails", "failed", "--app", "app_other")).toContain("no failed emails")

    s.smtp.answer = () => undefined
    expect(await cli(s.server, "emails", "retry", jobId!)).toContain("queued 1 failed email again")
    await s.smtp.waitFor((m) => m.rcptTo.includes("gone@example.test"))
    const after = await waitForCall(s.server, s.app, sent.id, (c) => c.emails.sent === 1)
    expect(resultOf(after, "gone").email).toBe("sent")
    expect(s.smtp.refused).toEqual(["550 gone@example.test"])
  })

  it("451: retried until the server accepts it", async () => {
    let refusals = 0
    s.smtp.answer = (address) =>
      address === "later@example.test" && refusals++ < 2
        ? { code: 451, message: "4.7.1 try again later" }
        : undefined
    const sent = await notifyOk(s.server, s.app, {
      users: [{ id: "later", email: "later@example.test" }],
      title: "Greylisted",
      content: "x",
      email: { send: true }
    })
    await s.smtp.waitFor((m) => m.rcptTo.includes("later@example.test"))
    expect(s.smtp.refused.filter((r) => r.includes("later@"))).toEqual([
      "451 later@example.test",
      "451 later@example.test"
    ])
    const call = await waitForCall(s.server, s.app, sent.id, (c) => c.emails.sent === 1)
    expect(resultOf(call, "later").email).toBe("sent")
    expect(resultOf(call, "later").emailError).toBeUndefined()
  })
})

describe("an SMTP server that is down", () => {
  const s = mailingSuite("down", { listening: false })

  it("delays the mail, never the notify call: it arrives once the server is back", async () => {
    const sent = await notifyOk(s.server, s.app, {
      users: [{ id: "patient", email: "patient@example.test" }],
      title: "Eventually",
      content: "x",
      email: { send: true }
    })
    expect(sent.emails).toBe(1)
    // An attempt was made and failed (connection refused): still queued, with its error.
    const waiting = await waitForCall(
      s.server,
      s.app,
      sent.id,
      (c) => resultOf(c, "patient").emailError !== undefined
    )
    expect(resultOf(waiting, "patient").email).toBe("queued")
    expect(resultOf(waiting, "patient").emailError).toMatch(/ECONNREFUSED|ECONNECTION/)
    await s.smtp.start()
    const mail = await s.smtp.waitFor((m) => m.rcptTo.includes("patient@example.test"))
    expect(mail.mail.subject).toBe("Eventually")
    const call = await waitForCall(s.server, s.app, sent.id, (c) => c.emails.sent === 1)
    expect(resultOf(call, "patient")).toMatchObject({ email: "sent" })
    expect(s.smtp.messages).toHaveLength(1)
  })
})
