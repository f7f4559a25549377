/**
 * The Store contract, email's part (email/emailStore.ts), lightly: a notify call queues the
 * messages its plan asks for in the same transaction (the outbox itself is proven in
 * test/unit/outbox.test.ts and test/email), and the reads the email sender and the operator
 * use answer from what was stored.
 */
import { describe, expect, it } from "vitest"
import { idOf, notifyJob, type RunStore, stored, t, withApp } from "./support.js"

/** The email part of the contract, against the store `run` reaches. */
export const emailContract = (run: RunStore): void => {
  describe("email", () => {
    it("a call queues one message per offline recipient with an address; the sender's reads follow the inbox", async () => {
      const app = await withApp(run)
      await run((s) => s.putPreferences(app, "d", [{ type: "news", inApp: true, email: false, push: true }]))
      const block = JSON.stringify({ send: true, subject: "News" })
      const job = notifyJob(
        app,
        [
          { id: "a", email: "a@example.test" },
          { id: "b", email: "b@example.test" },
          { id: "c" },
          { id: "d", email: "d@example.test" }
        ],
        { type: "news", online: ["a"], email: { block, plan: { force: false, after: 0, bcc: false } } }
      )
      // a was online, c has no address (skipped), d turned email off for the type: b only
      expect(stored(await run((s) => s.notify(job))).response).toMatchObject({ recipients: 4, emails: 1 })
      const call = await run((s) => s.emails.call(app, job.callId, 10, 0))
      expect(call).toMatchObject({ id: job.callId, recipients: 4, online: 1 })
      expect(call?.emails).toEqual({ queued: 1, sent: 0, failed: 0, skipped: 1 })
      expect(await run((s) => s.emails.call(app, "call_none", 10, 0))).toBeUndefined()
      expect(await run((s) => s.emails.content(app, job.callId))).toEqual({
        type: "news",
        title: job.fields.title,
        content: job.fields.content,
        url: null,
        email: block
      })
      const ids = [0, 1, 2, 3].map((i) => idOf(job, i))
      expect([...(await run((s) => s.emails.unseen(app, ids)))].sort()).toEqual([...ids].sort())
      await run((s) => s.mark(app, "b", "seen", { ids: [idOf(job, 1)] }, t(1)))
      await run((s) => s.mark(app, "c", "deleted", { ids: [idOf(job, 2)] }, t(1)))
      expect([...(await run((s) => s.emails.unseen(app, ids)))].sort()).toEqual([idOf(job, 0), idOf(job, 3)])
      expect(await run((s) => s.emails.failed(app, 10))).toEqual([])
    })
  })
}
