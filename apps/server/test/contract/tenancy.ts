/**
 * The Store contract, tenancy port (tenancy/TenancyStore.ts): apps, users, event types and
 * preferences round-trip, and deletes erase what they name and nothing of another app.
 */
import { describe, expect, it } from "vitest"
import { notifyJob, type RunStore, stored, t, withApp } from "./support.js"

/** The tenancy part of the contract, against the store `run` reaches. */
export const tenancyContract = (run: RunStore): void => {
  describe("apps", () => {
    it("round-trip: created, listed, read, their secret set; appSecrets names only those that exist", async () => {
      const app = await withApp(run)
      const got = await run((s) => s.getApp(app))
      expect(got).toEqual({ id: app, name: `Contract ${app}`, secret: `sk_${app}`, createdAt: t(0) })
      expect((await run((s) => s.listApps)).map((a) => a.id)).toContain(app)
      expect(await run((s) => s.setSecret(app, "sk_rotated"))).toBe(true)
      expect((await run((s) => s.getApp(app)))?.secret).toBe("sk_rotated")
      expect(await run((s) => s.setSecret("app_missing", "x"))).toBe(false)
      const secrets = await run((s) => s.appSecrets([app, "app_missing"]))
      expect([...secrets]).toEqual([[app, "sk_rotated"]])
    })

    it("deleteApp erases the app and its data, once, and leaves other apps alone", async () => {
      const [gone, kept] = [await withApp(run), await withApp(run)]
      for (const app of [gone, kept]) {
        await run((s) => s.putEventType(app, { name: "x", title: "X", description: null }))
        stored(await run((s) => s.notify(notifyJob(app, ["u1", "u2"]))))
      }
      expect(await run((s) => s.deleteApp(gone))).toBe(true)
      expect(await run((s) => s.getApp(gone))).toBeUndefined()
      expect(await run((s) => s.deleteApp(gone))).toBe(false)
      expect((await run((s) => s.listUsers(gone, 10, 0))).count).toBe(0)
      expect(await run((s) => s.stats(gone))).toMatchObject({ users: 0, notifications: 0 })
      expect((await run((s) => s.listCalls(gone, 10, 0))).count).toBe(0)
      expect(await run((s) => s.listEventTypes(gone))).toEqual([])
      expect(await run((s) => s.stats(kept))).toMatchObject({ users: 2, notifications: 2 })
      expect(await run((s) => s.listEventTypes(kept))).toHaveLength(1)
    })
  })

  describe("users", () => {
    it("upsert keeps contact details a later upsert omits, lists in creation order, searches any case", async () => {
      const app = await withApp(run)
      const first = [
        { id: "ann", email: "Ann@Example.test", name: "Ann" },
        { id: "bob", email: "bob@example.test" },
        { id: "cy_1" }
      ]
      expect(await run((s) => s.upsertUsers(app, first, t(1)))).toBe(3)
      expect(await run((s) => s.upsertUsers(app, [{ id: "ann" }, { id: "bob", name: "Bob" }], t(2)))).toBe(2)
      expect(await run((s) => s.getUser(app, "ann"))).toEqual({
        id: "ann",
        email: "Ann@Example.test",
        name: "Ann",
        createdAt: t(1)
      })
      expect(await run((s) => s.getUser(app, "bob"))).toMatchObject({
        email: "bob@example.test",
        name: "Bob"
      })
      const all = await run((s) => s.listUsers(app, 2, 0))
      expect(all.count).toBe(3)
      expect(all.users.map((u) => u.id)).toEqual(["ann", "bob"])
      expect((await run((s) => s.listUsers(app, 2, 2))).users.map((u) => u.id)).toEqual(["cy_1"])
      expect((await run((s) => s.listUsers(app, 10, 0, "ann@EXAMPLE"))).users.map((u) => u.id)).toEqual([
        "ann"
      ])
      // `_` is a character to find, not a LIKE wildcard
      expect((await run((s) => s.listUsers(app, 10, 0, "y_"))).users.map((u) => u.id)).toEqual(["cy_1"])
      expect((await run((s) => s.listUsers(app, 10, 0, "o_"))).count).toBe(0)
      expect(await run((s) => s.getUser(app, "nobody"))).toBeUndefined()
    })

    it("deleteUser erases the user, their notifications, preferences and stream, once", async () => {
      const app = await withApp(run)
      await run((s) => s.putPreferences(app, "gone", [{ type: "x", inApp: true, email: false, push: true }]))
      const job = notifyJob(app, ["gone", "kept"])
      stored(await run((s) => s.notify(job)))
      expect(await run((s) => s.deleteUser(app, "gone"))).toBe(true)
      expect(await run((s) => s.getUser(app, "gone"))).toBeUndefined()
      expect(await run((s) => s.deleteUser(app, "gone"))).toBe(false)
      const none = { limit: 10, offset: 0, status: "all" } as const
      expect((await run((s) => s.listNotifications(app, "gone", none))).count).toBe(0)
      expect(await run((s) => s.getPreferences(app, "gone"))).toEqual([])
      expect(await run((s) => s.streamAfter(app, "gone", 0, 10))).toMatchObject({ latest: 0, oldest: null })
      expect([...(await run((s) => s.positions(app, ["gone", "kept"])))]).toEqual([["kept", 1]])
      expect((await run((s) => s.listNotifications(app, "kept", none))).count).toBe(1)
    })

    it("deleteUser of a user never registered changes nothing, not even what a token wrote for them", async () => {
      const app = await withApp(run)
      const prefs = [{ type: "x", inApp: false, email: true, push: true }]
      await run((s) => s.putPreferences(app, "unregistered", prefs))
      expect(await run((s) => s.deleteUser(app, "unregistered"))).toBe(false)
      expect(await run((s) => s.getPreferences(app, "unregistered"))).toEqual(prefs.map((p) => ({ ...p })))
    })
  })

  describe("event types", () => {
    it("put inserts or replaces by name, list is by name, delete answers whether it existed", async () => {
      const app = await withApp(run)
      await run((s) => s.putEventType(app, { name: "b.two", title: "Two", description: "the second" }))
      await run((s) => s.putEventType(app, { name: "a.one", title: "One", description: null }))
      await run((s) => s.putEventType(app, { name: "b.two", title: "Two again", description: null }))
      expect(await run((s) => s.listEventTypes(app))).toEqual([
        { name: "a.one", title: "One", description: null },
        { name: "b.two", title: "Two again", description: null }
      ])
      expect(await run((s) => s.deleteEventType(app, "a.one"))).toBe(true)
      expect(await run((s) => s.deleteEventType(app, "a.one"))).toBe(false)
      expect((await run((s) => s.listEventTypes(app))).map((e) => e.name)).toEqual(["b.two"])
    })
  })

  describe("preferences", () => {
    it("round-trip by type, a later put replaces a type's flags, and in-app off leaves a user out of that type", async () => {
      const app = await withApp(run)
      await run((s) => s.upsertUsers(app, [{ id: "quiet" }, { id: "loud" }], t(0)))
      await run((s) =>
        s.putPreferences(app, "quiet", [
          { type: "news", inApp: true, email: true, push: true },
          { type: "alerts", inApp: true, email: false, push: true }
        ])
      )
      await run((s) =>
        s.putPreferences(app, "quiet", [{ type: "news", inApp: false, email: false, push: true }])
      )
      expect(await run((s) => s.getPreferences(app, "quiet"))).toEqual([
        { type: "alerts", inApp: true, email: false, push: true },
        { type: "news", inApp: false, email: false, push: true }
      ])
      // named and broadcast calls of the type skip the user; untyped and other types do not
      const named = stored(await run((s) => s.notify(notifyJob(app, ["quiet", "loud"], { type: "news" }))))
      expect(named.response.recipients).toBe(1)
      expect(named.entries.map((e) => e.user)).toEqual(["loud"])
      const all = stored(await run((s) => s.notify(notifyJob(app, undefined, { type: "news" }))))
      expect(all.entries.map((e) => e.user)).toEqual(["loud"])
      const other = stored(await run((s) => s.notify(notifyJob(app, undefined, { type: "alerts" }))))
      expect(other.entries.map((e) => e.user).sort()).toEqual(["loud", "quiet"])
    })
  })
}
