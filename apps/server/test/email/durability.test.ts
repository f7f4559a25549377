/**
 * Email jobs are stored with the notify call (PROTOCOL.md §7): a server killed with SIGKILL
 * after the call's 2xx and before the send sends the mail, once, after it restarts. And a
 * server without SMTP queues nothing: `emails: 0`, said once in its log.
 */
import { createApp, startServer } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { notifyOk, resultOf, startMailingServer, waitForCall } from "./helpers.js"
import { startSmtp } from "./smtp.js"

describe("kill -9 between the 2xx and the send", () => {
  it("sends the mail once after the restart", async () => {
    const smtp = await startSmtp()
    let server = await startMailingServer(smtp.url)
    try {
      const app = await createApp(server, "crash")
      // Due in 2 s: the process is killed well before the send.
      const sent = await notifyOk(server, app, {
        users: [{ id: "survivor", email: "survivor@example.test" }],
        title: "Still here",
        content: "x",
        email: { send: true, after: 2 }
      })
      expect(sent.emails).toBe(1)
      await server.kill()
      expect(smtp.messages).toHaveLength(0)
      server = await startMailingServer(smtp.url, { dataDir: server.dataDir })
      const mail = await smtp.waitFor((m) => m.rcptTo.includes("survivor@example.test"))
      expect(mail.mail.subject).toBe("Still here")
      const call = await waitForCall(server, app, sent.id, (c) => c.emails.sent === 1)
      expect(mail.mail.messageId).toBe(`<${resultOf(call, "survivor").notification}@example.test>`)
      expect(smtp.messages).toHaveLength(1)
    } finally {
      await server.dispose()
      await smtp.stop()
    }
  })
})

describe("no SMTP server configured", () => {
  it("answers emails: 0 and says so once in the log", async () => {
    const server = await startServer()
    try {
      const app = await createApp(server, "nosmtp")
      const body = {
        users: [{ id: "x", email: "x@example.test" }],
        content: "x",
        email: { send: true, force: true }
      }
      expect((await notifyOk(server, app, body)).emails).toBe(0)
      expect((await notifyOk(server, app, body)).emails).toBe(0)
      // The line is written before the first answer; the pipe may bring it a moment later.
      const said = () => server.output().match(/no SMTP server is configured/g) ?? []
      for (let i = 0; i < 50 && said().length === 0; i++) await new Promise((r) => setTimeout(r, 100))
      expect(said()).toHaveLength(1)
    } finally {
      await server.dispose()
    }
  })
})
