/**
 * Handlers name their needs (issue 21): a route's type carries only the services its handler
 * uses, so it runs with just those layers. Here the event type and token routes run in-process
 * over a real SQLite store on a temp file, with Auth and the config — no Bus, no Sessions, no
 * Delivery, no server — and the type checker holds each route table's needs to exactly its own.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Effect, Exit, Layer, ManagedRuntime, Option } from "effect"
import { afterAll, beforeAll, describe, expect, expectTypeOf, inject, it } from "vitest"
import { Auth, layerAuth } from "../../src/auth/Auth.js"
import { authRoutes } from "../../src/auth/routes.js"
import type { Control } from "../../src/cluster/control/Control.js"
import type { Limits } from "../../src/cluster/limits/Limits.js"
import type { Presence } from "../../src/cluster/presence/Presence.js"
import { Config, loadConfig } from "../../src/config/Config.js"
import type { ApiError } from "../../src/http/ApiError.js"
import type { Answer, RequestContext, Route, RouteNeeds } from "../../src/http/Route.js"
import type { Delivery } from "../../src/notify/Delivery.js"
import type { NodeServices } from "../../src/node/layers.js"
import type { RoutesNeed } from "../../src/node/routes.js"
import type { notifyRoutes } from "../../src/notify/routes.js"
import type { Metrics } from "../../src/stats/Metrics.js"
import { layerSqliteStore } from "../../src/storage/sqlite/sqlite.js"
import type { PushStore } from "../../src/push/PushStore.js"
import { Store } from "../../src/storage/Store.js"
import { createApp } from "../../src/tenancy/apps.js"
import { type appRoutes, eventTypeRoutes } from "../../src/tenancy/routes.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** `file:` URL of the SQLite writer thread bundled from src (scripts/vitest/writerThread.mjs). */
    pushbackWriterThread: string
  }
}

const ADMIN = "admin-token-of-the-unit-test"
const dir = mkdtempSync(join(tmpdir(), "pushback-route-needs-"))
const config = loadConfig({ db: `sqlite:${join(dir, "pushback.db")}` }, { PUSHBACK_ADMIN_TOKEN: ADMIN })

/** Auth over a real SQLite store and the config: every layer these routes name, and no other. */
let runtime: ManagedRuntime.ManagedRuntime<Auth | Store | Config, never>

beforeAll(() => {
  const base = Layer.mergeAll(
    layerSqliteStore(join(dir, "pushback.db"), new URL(inject("pushbackWriterThread"))),
    Layer.succeed(Config, config)
  )
  runtime = ManagedRuntime.make(layerAuth.pipe(Layer.provideMerge(base)))
})

afterAll(async () => {
  await runtime?.dispose()
  rmSync(dir, { recursive: true, force: true })
})

/** A request as the edge hands it to a handler. */
const request = (
  method: string,
  path: string,
  options: { params?: Record<string, string>; credential?: string; body?: unknown } = {}
): RequestContext => ({
  method,
  path,
  params: options.params ?? {},
  query: new URLSearchParams(),
  headers: {},
  body: options.body,
  credential: options.credential,
  baseUrl: "http://unit.test"
})

/** The route of a table for a method and pattern. */
const routeOf = <T extends Route<unknown>>(routes: ReadonlyArray<T>, method: string, pattern: string): T => {
  const found = routes.find((r) => r.method === method && r.pattern === pattern)
  if (found === undefined) throw new Error(`no route ${method} ${pattern}`)
  return found
}

/** Runs a handler on the runtime: its answer, or the ApiError it failed with. */
const run = async (effect: Effect.Effect<Answer, ApiError, Auth | Store | Config>) => {
  const exit = await runtime.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return { answer: exit.value }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(Cause.pretty(exit.cause))
  return { error: failure.value }
}

describe("a route's type names what its handler uses", () => {
  it("each table needs exactly the services of its handlers", () => {
    expectTypeOf<RouteNeeds<(typeof eventTypeRoutes)[number]>>().toEqualTypeOf<Auth | Store>()
    expectTypeOf<RouteNeeds<(typeof authRoutes)[number]>>().toEqualTypeOf<Auth | Config | Store>()
    expectTypeOf<RouteNeeds<(typeof appRoutes)[number]>>().toEqualTypeOf<Auth | Control | Presence | Store>()
    expectTypeOf<RouteNeeds<(typeof notifyRoutes)[number]>>().toEqualTypeOf<
      Auth | Delivery | Limits | Metrics | PushStore | Store
    >()
  })

  it("the route table needs no service a node does not provide", () => {
    expectTypeOf<RoutesNeed>().toExtend<NodeServices>()
    expectTypeOf<NodeServices>().not.toExtend<RoutesNeed>()
  })

  it("a runtime without a service a route names does not type-check", () => {
    const put = routeOf(eventTypeRoutes, "PUT", "/v1/event-types/:name")
    const configOnly = ManagedRuntime.make(Layer.succeed(Config, config))
    // Never run: the point is that it does not compile, since the route needs Auth and Store.
    // @ts-expect-error the handler needs Auth and Store, which this runtime does not provide
    const unprovided = () => configOnly.runPromise(put.handler(request("PUT", "/v1/event-types/x")))
    expect(typeof unprovided).toBe("function")
  })
})

describe("routes run with only the layers they name", () => {
  it("event types: declared, listed, refused when malformed (nothing stored), deleted", async () => {
    const app = await runtime.runPromise(createApp("route-needs"))
    const credential = app.secret
    const put = routeOf(eventTypeRoutes, "PUT", "/v1/event-types/:name").handler
    const list = routeOf(eventTypeRoutes, "GET", "/v1/event-types").handler
    const remove = routeOf(eventTypeRoutes, "DELETE", "/v1/event-types/:name").handler

    const declared = await run(
      put(
        request("PUT", "/v1/event-types/comment", {
          params: { name: "comment" },
          credential,
          body: { title: "Comments" }
        })
      )
    )
    expect(declared.answer).toEqual({
      status: 200,
      json: { name: "comment", title: "Comments", description: null }
    })

    const malformed = await run(
      put(
        request("PUT", "/v1/event-types/a b", { params: { name: "a b" }, credential, body: { title: "Bad" } })
      )
    )
    expect(malformed.error?.status).toBe(400)
    expect(malformed.error?.message).toBe("name: must be 1-64 letters, digits or _ . : -")

    const listed = await run(list(request("GET", "/v1/event-types", { credential })))
    expect(listed.answer?.json).toEqual({
      types: [{ name: "comment", title: "Comments", description: null }]
    })

    const asAdmin = await run(list(request("GET", "/v1/event-types", { credential: ADMIN })))
    expect(asAdmin.error?.status).toBe(401)
    expect(asAdmin.error?.message).toBe("the admin token cannot call backend endpoints: use the app's secret")

    const params = { name: "comment" }
    expect(
      (await run(remove(request("DELETE", "/v1/event-types/comment", { params, credential })))).answer
    ).toEqual({
      status: 204
    })
    const again = await run(remove(request("DELETE", "/v1/event-types/comment", { params, credential })))
    expect(again.error?.status).toBe(404)
    expect(again.error?.message).toBe("event type not found")
  })

  it("POST /v1/tokens: a token Auth accepts for the user, who is registered", async () => {
    const app = await runtime.runPromise(createApp("route-needs-tokens"))
    const issue = routeOf(authRoutes, "POST", "/v1/tokens").handler
    const issued = await run(
      issue(
        request("POST", "/v1/tokens", { credential: app.secret, body: { user: "alice", ttlSeconds: 60 } })
      )
    )
    const { token } = (issued.answer?.json ?? {}) as { token: string }
    const principal = await runtime.runPromise(Effect.flatMap(Auth, (auth) => auth.user(token)))
    expect({ app: principal.app.id, user: principal.user }).toEqual({ app: app.id, user: "alice" })
    const user = await runtime.runPromise(Effect.flatMap(Store, (store) => store.getUser(app.id, "alice")))
    expect(user?.id).toBe("alice")

    const tooLong = await run(
      issue(
        request("POST", "/v1/tokens", {
          credential: app.secret,
          body: { user: "bob", ttlSeconds: config.limits.maxTokenTtlSeconds + 1 }
        })
      )
    )
    expect(tooLong.error?.status).toBe(400)
  })
})
