/**
 * Email fallback (PROTOCOL.md §7), against a real SMTP listener: who gets mail (online, offline,
 * force, a delay re-checked at send time, preferences, no address), what it says (From, To,
 * Subject, body, escaping, plain text, Message-ID), `bcc` as one message, the call's state in
 * `GET /v1/notify/{callId}`, the metrics, and bad `email` blocks refused storing nothing.
 * One server and one catcher for the file.
 */
import type { AddressObject } from "mailparser"
import { createApp, request, userToken } from "@pushback/testkit"
import { describe, expect, it } from "vitest"
import { expectBadField, expectError } from "../http/helpers.js"
import { callOf, goOnline, mailingSuite, notifyOk, resultOf, waitForCall } from "./helpers.js"

const suite = mailingSuite("email")

/** The addresses of a parsed From/To header. */
const addresses = (header: AddressObject | Array<AddressObject> | undefined) =>
  (Array.isArray(header) ? header : header === undefined ? [] : [header]).flatMap((h) =>
    h.value.map((v) => `${v.name} <${v.address}>`.trim())
  )

const to = (address: string) => (m: { rcptTo: ReadonlyArray<string> }) => m.rcptTo.includes(address)
const mailsTo = (address: string) => suite.smtp.messages.filter(to(address))

describe("who gets mail", () => {
  it("send: the offline recipient gets exactly one message, the online one none; force: both", async () => {
    const ws = await goOnline(suite.server, suite.app, "on1")
    const users = [
      { id: "on1", email: "on1@example.test" },
      { id: "off1", email: "off1@example.test" }
    ]
    const sent = await notifyOk(suite.server, suite.app, {
      users,
      title: "Hello",
      content: "Your report is ready",
      url: "https://example.test/r/1",
      email: { send: true }
    })
    expect(sent).toMatchObject({ recipients: 2, online: 1, emails: 1 })
    const mail = await suite.smtp.waitFor(to("off1@example.test"))
    expect(mail.rcptTo).toEqual(["off1@example.test"])
    expect(mail.mailFrom).toBe("alerts@example.test")
    expect(addresses(mail.mail.from)).toEqual(["Alerts <alerts@example.test>"])
    expect(addresses(mail.mail.to)).toEqual(["<off1@example.test>"])
    expect(mail.mail.subject).toBe("Hello")
    expect(mail.mail.text).toContain("Your report is ready")
    expect(mail.mail.text).toContain("https://example.test/r/1")
    expect(mail.mail.html).toContain("<h2>Hello</h2>")
    expect(mail.mail.html).toContain('<a href="https://example.test/r/1">')
    const call = await waitForCall(suite.server, suite.app, sent.id, (c) => c.emails.sent === 1)
    expect(call.emails).toEqual({ queued: 0, sent: 1, failed: 0, skipped: 0 })
    expect(resultOf(call, "on1").email).toBe("none")
    const off1 = resultOf(call, "off1")
    expect(off1.email).toBe("sent")
    // Stable: derived from the notification.
    expect(mail.mail.messageId).toBe(`<${off1.notification}@example.test>`)

    const forced = await notifyOk(suite.server, suite.app, {
      users,
      title: "Forced",
      content: "x",
      email: { force: true }
    })
    expect(forced).toMatchObject({ online: 1, emails: 2 })
    await suite.smtp.waitFor((m) => m.mail.subject === "Forced" && m.rcptTo.includes("on1@example.test"))
    await suite.smtp.waitFor((m) => m.mail.subject === "Forced" && m.rcptTo.includes("off1@example.test"))
    await waitForCall(suite.server, suite.app, forced.id, (c) => c.emails.sent === 2)
    expect(mailsTo("on1@example.test").map((m) => m.mail.subject)).toEqual(["Forced"])
    await ws.close()
  })

  it("bcc: one message for three offline users, all in the envelope, none in To", async () => {
    const users = ["b1", "b2", "b3"].map((id) => ({ id, email: `${id}@example.test` }))
    const sent = await notifyOk(suite.server, suite.app, {
      users,
      title: "Digest",
      content: { items: 3 },
      email: { send: true, bcc: true, subject: "Your digest" }
    })
    expect(sent.emails).toBe(1)
    const mail = await suite.smtp.waitFor((m) => m.mail.subject === "Your digest")
    // Addressed to the From (as the seed), everybody in Bcc: the envelope has them all.
    expect(mail.rcptTo).toEqual(
      expect.arrayContaining(["b1@example.test", "b2@example.test", "b3@example.test"])
    )
    expect(addresses(mail.mail.to)).toEqual(["Alerts <alerts@example.test>"])
    expect(mail.mail.headers.get("bcc")).toBeUndefined()
    expect(mail.mail.messageId).toBe(`<${sent.id}@example.test>`)
    // The JSON content, pretty-printed.
    expect(mail.mail.text).toContain('"items": 3')
    const call = await waitForCall(suite.server, suite.app, sent.id, (c) => c.emails.sent === 1)
    expect(call.results.map((r) => r.email)).toEqual(["sent", "sent", "sent"])
    expect(suite.smtp.messages.filter((m) => m.mail.subject === "Your digest")).toHaveLength(1)
  })

  it("after: 2 mails who has not seen it when the delay ends, not who saw it meanwhile", async () => {
    const users = [
      { id: "seer", email: "seer@example.test" },
      { id: "idle", email: "idle@example.test" }
    ]
    const started = Date.now()
    const sent = await notifyOk(suite.server, suite.app, {
      users,
      title: "Later",
      content: "x",
      email: { send: true, after: 2 }
    })
    // Both queued: who is mailed is decided at send time.
    expect(sent.emails).toBe(2)
    const seer = await userToken(suite.server, suite.app, "seer")
    const mine = await request<{ results: Array<{ id: string }> }>(
      suite.server.url,
      "GET",
      "/v1/me/notifications",
      {
        token: seer
      }
    )
    const id = mine.body.results[0]!.id
    const seen = await request(suite.server.url, "PATCH", `/v1/me/notifications/${id}`, {
      token: seer,
      body: { seen: true }
    })
    expect(seen.status, seen.text).toBe(200)
    expect(Date.now() - started, "marked seen within the delay").toBeLessThan(2000)
    const mail = await suite.smtp.waitFor(to("idle@example.test"))
    expect(mail.mail.date!.getTime()).toBeGreaterThanOrEqual(Math.floor(started / 1000) * 1000)
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
    const call = await waitForCall(suite.server, suite.app, sent.id, (c) => c.emails.queued === 0)
    expect(resultOf(call, "idle").email).toBe("sent")
    expect(resultOf(call, "seer")).toMatchObject({ email: "none", seenAt: expect.any(String) })
    expect(call.emails).toMatchObject({ queued: 0, sent: 1, failed: 0 })
    expect(mailsTo("seer@example.test")).toHaveLength(0)
  })

  it("email: false in a preference mails nobody; a user without an address is skipped", async () => {
    const token = await userToken(suite.server, suite.app, "quiet")
    const put = await request(suite.server.url, "PUT", "/v1/me/preferences", {
      token,
      body: { types: { promo: { email: false } } }
    })
    expect(put.status, put.text).toBe(200)
    const sent = await notifyOk(suite.server, suite.app, {
      users: [{ id: "quiet", email: "quiet@example.test" }, "noaddress"],
      type: "promo",
      content: "Sale",
      email: { send: true }
    })
    expect(sent).toMatchObject({ recipients: 2, emails: 0 })
    const call = await callOf(suite.server, suite.app, sent.id)
    expect(call.emails).toEqual({ queued: 0, sent: 0, failed: 0, skipped: 1 })
    expect(call.results.map((r) => [r.user, r.email])).toEqual([
      ["noaddress", "none"],
      ["quiet", "none"]
    ])
  })
})

describe("what the message says", () => {
  it("escapes every interpolated value in the default HTML body", async () => {
    const sent = await notifyOk(suite.server, suite.app, {
      users: [{ id: "esc", email: "esc@example.test" }],
      title: "<script>alert(1)</script>",
      content: '<img src=x onerror="alert(2)">',
      url: 'https://example.test/?a=1&b="2"',
      email: { send: true }
    })
    const mail = await suite.smtp.waitFor(to("esc@example.test"))
    expect(mail.mail.subject).toBe("<script>alert(1)</script>")
    const html = String(mail.mail.html)
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;")
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(2)&quot;&gt;")
    expect(html).toContain("https://example.test/?a=1&amp;b=&quot;2&quot;")
    expect(html).not.toContain("<script>")
    expect(html).not.toContain("<img")
    await waitForCall(suite.server, suite.app, sent.id, (c) => c.emails.sent === 1)
  })

  it("text/plain sends a plain part only; a given subject and content are used as they are", async () => {
    await notifyOk(suite.server, suite.app, {
      users: [{ id: "plain", email: "plain@example.test" }],
      title: "Ignored title",
      content: "x",
      email: {
        send: true,
        subject: "Plain <subject>",
        content: "Line 1\nLine <2>",
        contentType: "text/plain",
        mime: "1.0"
      }
    })
    const mail = await suite.smtp.waitFor(to("plain@example.test"))
    expect(mail.mail.subject).toBe("Plain <subject>")
    expect(mail.mail.html).toBe(false)
    expect(mail.mail.text?.trim()).toBe("Line 1\nLine <2>")
    expect(mail.mail.headers.get("content-type")).toMatchObject({ value: "text/plain" })
  })

  it("without a title the subject is `New notification`", async () => {
    await notifyOk(suite.server, suite.app, {
      users: [{ id: "untitled", email: "untitled@example.test" }],
      content: "x",
      email: { send: true }
    })
    const mail = await suite.smtp.waitFor(to("untitled@example.test"))
    expect(mail.mail.subject).toBe("New notification")
  })
})

describe("GET /v1/notify/{callId}", () => {
  it("pages the recipients, and is 404 for an unknown call or another app's", async () => {
    const sent = await notifyOk(suite.server, suite.app, { users: ["p1", "p2", "p3"], content: "x" })
    const all = await callOf(suite.server, suite.app, sent.id)
    expect(all).toMatchObject({
      id: sent.id,
      recipients: 3,
      online: 0,
      emails: { queued: 0, sent: 0, failed: 0, skipped: 0 }
    })
    expect(all.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/)
    expect(all.results.map((r) => r.user)).toEqual(["p1", "p2", "p3"])
    expect(all.results[0]).toEqual({
      user: "p1",
      notification: expect.stringMatching(/^ntf_/),
      deliveredAt: null,
      seenAt: null,
      readAt: null,
      email: "none",
      push: "none"
    })
    const page = await callOf(suite.server, suite.app, sent.id, "?limit=1&offset=1")
    expect(page.results.map((r) => r.user)).toEqual(["p2"])
    expect(page.recipients).toBe(3)
    expectError(
      await request(suite.server.url, "GET", "/v1/notify/call_nope", { token: suite.app.secret }),
      404,
      "not_found"
    )
    expectError(
      await request(suite.server.url, "GET", "/v1/notify/%00", { token: suite.app.secret }),
      404,
      "not_found"
    )
    const other = await createApp(suite.server, "other")
    expectError(
      await request(suite.server.url, "GET", `/v1/notify/${sent.id}`, { token: other.secret }),
      404,
      "not_found"
    )
    expectBadField(
      await request(suite.server.url, "GET", `/v1/notify/${sent.id}?limit=0`, { token: suite.app.secret }),
      "limit"
    )
    expectError(await request(suite.server.url, "GET", `/v1/notify/${sent.id}`), 401, "unauthorized")
  })
})

describe("bad email blocks", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["contentType", { send: true, contentType: "text/markdown" }, "email.contentType"],
    ["mime", { send: true, mime: "2.0" }, "email.mime"],
    ["after below 0", { send: true, after: -1 }, "email.after"],
    ["after beyond 7 days", { send: true, after: 604_801 }, "email.after"],
    ["after not whole", { send: true, after: 1.5 }, "email.after"],
    ["bcc not a boolean", { send: true, bcc: "yes" }, "email.bcc"]
  ]
  for (const [name, email, field] of cases) {
    it(`${name} → 400 naming ${field}, nothing stored`, async () => {
      const user = `bad-${name.replace(/\W+/g, "-")}`
      const res = await request(suite.server.url, "POST", "/v1/notify", {
        token: suite.app.secret,
        body: { users: [{ id: user, email: `${user}@example.test` }], content: "x", email }
      })
      expectBadField(res, field)
      // The call registered nobody: nothing of it was stored.
      expectError(
        await request(suite.server.url, "GET", `/v1/users/${user}`, { token: suite.app.secret }),
        404,
        "not_found"
      )
    })
  }
})

describe("/metrics", () => {
  it("counts the emails sent", async () => {
    const res = await fetch(`${suite.server.url}/metrics`)
    const text = await res.text()
    const sent = Number(/^pushback_emails_sent_total (\d+)$/m.exec(text)?.[1])
    expect(sent).toBeGreaterThanOrEqual(1)
    expect(text).toMatch(/^pushback_emails_failed_total \d+$/m)
  })
})
