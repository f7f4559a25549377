/**
 * Email's parts, without a mail server: what a message says (escaping, plain text, Bcc
 * addressing, Message-IDs), the retry schedule, and the outbox worker with the email sender over
 * a real SQLite store and the in-memory Mailer: a `bcc` job is one message, a delayed job whose
 * recipients have all seen theirs is cancelled, not sent. (The server's own tests speak real
 * SMTP: test/email; the worker's own rules: outbox.test.ts.)
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer } from "effect"
import { afterAll, describe, expect, inject, it } from "vitest"
import { Config, DefaultEmailTuning, loadConfig } from "../../src/config/Config.js"
import { encodeShared, recipientId } from "../../src/notify/Encode.js"
import { renderEmail } from "../../src/email/EmailMessage.js"
import { makeEmailSender } from "../../src/email/emailSender.js"
import { makeMemoryMailer } from "../../src/email/Mailer.js"
import { makeOutbox } from "../../src/outbox/Outbox.js"
import { retriesExhausted, retryDelayMs } from "../../src/outbox/Sender.js"
import { layerMetrics } from "../../src/stats/Metrics.js"
import type { NotifyJob } from "../../src/notify/NotifyStore.js"
import { Store } from "../../src/storage/Store.js"
import { layerSqliteStore } from "../../src/storage/sqlite/sqlite.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** The SQLite writer thread bundled from src for the unit project (scripts/vitest/writerThread.mjs). */
    pushbackWriterThread: string
  }
}

const call = {
  type: null,
  title: "A <b>title</b>",
  content: JSON.stringify({ n: 1 }),
  url: "javascript:alert(1)"
}
const one = [{ user: "u", notification: "ntf_s_0", email: "u@example.test" }]

describe("renderEmail", () => {
  it("escapes the default body and links only http(s) urls", () => {
    const m = renderEmail(
      { ...call, email: null },
      { id: "j", notificationId: "ntf_s_0", callId: "call_s" },
      one,
      "X <x@mail.example>"
    )
    expect(m).toMatchObject({
      to: ["u@example.test"],
      bcc: [],
      subject: "A <b>title</b>",
      messageId: "<ntf_s_0@mail.example>"
    })
    expect(m.html).toContain("<h2>A &lt;b&gt;title&lt;/b&gt;</h2>")
    expect(m.html).toContain("&quot;n&quot;: 1")
    expect(m.html).not.toContain("href")
    expect(m.text).toBe('A <b>title</b>\n\n{\n  "n": 1\n}\n\njavascript:alert(1)')
  })

  it("bcc: addressed to nobody in To, everybody in Bcc, the call's Message-ID", () => {
    const two = [...one, { user: "v", notification: "ntf_s_1", email: "v@example.test" }]
    const m = renderEmail(
      { ...call, email: JSON.stringify({ bcc: true, contentType: "text/plain" }) },
      { id: "j", notificationId: null, callId: "call_s" },
      two,
      "x@mail.example"
    )
    expect(m).toMatchObject({
      to: [],
      bcc: ["u@example.test", "v@example.test"],
      messageId: "<call_s@mail.example>"
    })
    expect(m.html).toBeUndefined()
  })

  it("a given HTML body is sent as given", () => {
    const m = renderEmail(
      { ...call, email: JSON.stringify({ content: "<p>Hi</p>", subject: "S" }) },
      { id: "j", notificationId: "ntf_s_0", callId: "call_s" },
      one,
      "x@mail.example"
    )
    expect(m).toMatchObject({ subject: "S", html: "<p>Hi</p>", text: undefined })
  })
})

describe("the retry schedule", () => {
  it("doubles from retryMs up to retryMaxMs, and gives up after about a day", () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(DefaultEmailTuning, a))).toEqual([
      30_000, 60_000, 120_000, 240_000
    ])
    expect(retryDelayMs(DefaultEmailTuning, 30)).toBe(3_600_000)
    let attempts = 1
    while (!retriesExhausted(DefaultEmailTuning, attempts)) attempts++
    let waited = 0
    for (let a = 1; a <= attempts; a++) waited += retryDelayMs(DefaultEmailTuning, a)
    expect(waited / 3_600_000).toBeGreaterThanOrEqual(24)
    expect(waited / 3_600_000).toBeLessThan(25)
  })
})

describe("the worker", () => {
  const dir = mkdtempSync(join(tmpdir(), "pushback-outbox-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("sends a bcc job as one message and cancels a delayed job nobody needs any more", async () => {
    const mailer = makeMemoryMailer()
    const base = loadConfig({ db: `sqlite:${join(dir, "p.db")}` }, { PUSHBACK_ADMIN_TOKEN: "t" })
    const config = Layer.succeed(Config, { ...base, email: { ...DefaultEmailTuning, pollMs: 50 } })
    const store = layerSqliteStore(join(dir, "p.db"), new URL(inject("pushbackWriterThread")))
    const job = (stem: string, plan: NotifyJob["emailPlan"]): NotifyJob => {
      const fields = {
        type: null,
        title: stem,
        content: '"x"',
        url: null,
        icon: null,
        image: null,
        data: null,
        author: null,
        createdAt: new Date().toISOString()
      }
      return {
        app: "app_u",
        callId: `call_${stem}`,
        stem,
        fields,
        shared: encodeShared(fields),
        online: [],
        email: "{}",
        emailPlan: plan,
        idempotency: undefined,
        users: [
          { id: "a", email: "a@example.test" },
          { id: "b", email: "b@example.test" }
        ]
      }
    }
    const program = Effect.gen(function* () {
      const s = yield* Store
      const bcc = yield* Effect.promise(() => s.notify(job("bcc", { force: false, after: 0, bcc: true })))
      const late = yield* Effect.promise(() => s.notify(job("late", { force: false, after: 1, bcc: false })))
      yield* s.mark("app_u", "a", "seen", { ids: [recipientId("late", 0)] }, new Date().toISOString())
      yield* s.mark("app_u", "b", "deleted", { ids: [recipientId("late", 1)] }, new Date().toISOString())
      yield* makeOutbox([makeEmailSender])
      // Until both calls are settled (the delayed one falls due after 1 s).
      for (let i = 0; i < 100; i++) {
        const [x, y] = yield* Effect.all([
          s.emails.call("app_u", "call_bcc", 10, 0),
          s.emails.call("app_u", "call_late", 10, 0)
        ])
        if (x?.emails.sent === 1 && y?.emails.queued === 0) return { bcc, late, x, y }
        yield* Effect.sleep(50)
      }
      throw new Error("the outbox never settled both calls")
    })
    const { bcc, late, y } = await Effect.runPromise(
      Effect.scoped(program).pipe(Effect.provide(Layer.mergeAll(mailer.layer, config, layerMetrics, store)))
    )
    expect(bcc._tag === "Stored" && bcc.response.emails).toBe(1)
    expect(late._tag === "Stored" && late.response.emails).toBe(2)
    expect(mailer.sent).toHaveLength(1)
    expect(mailer.sent[0]).toMatchObject({
      bcc: ["a@example.test", "b@example.test"],
      messageId: "<call_bcc@localhost>"
    })
    expect(y.emails).toEqual({ queued: 0, sent: 0, failed: 0, skipped: 0 })
  })
})
