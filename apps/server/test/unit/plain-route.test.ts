/**
 * Plain routes (http/plain.ts, issue 22): the edge runs a `plainRoute`'s handler as plain code,
 * made once from the services, and answers what it answers, refuses with what it throws, and
 * turns anything else into a logged 500, as it does for Effect handlers. Over a real node:http
 * server on loopback, with the edge of the server and a route table of test routes.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { Context, Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, expect, it, vi } from "vitest"
import { loadConfig } from "../../src/config/Config.js"
import { ApiError, badRequest } from "../../src/http/ApiError.js"
import { makeRequestListener } from "../../src/http/Edge.js"
import { attempt, lift, mapPlain, runPlain } from "../../src/http/plain.js"
import { ok, plainRoute, route } from "../../src/http/Route.js"
import { makeMetrics } from "../../src/stats/Metrics.js"

/** A service the plain route is made from: counts how often it was made. */
class Greeter extends Context.Tag("test/Greeter")<Greeter, { readonly greet: (name: string) => string }>() {}
let made = 0

const routes = [
  plainRoute(
    "POST",
    "/hello",
    Effect.map(Greeter, (greeter) => {
      made++
      return async (ctx) => {
        const body = ctx.body as { name?: unknown; wait?: boolean }
        if (typeof body.name !== "string") throw badRequest("name: must be a string", "name")
        if (body.name === "later")
          return Promise.reject(new ApiError({ code: "conflict", message: "not now" }))
        if (body.name === "boom") throw new TypeError("a bug in a handler")
        if (body.wait) await new Promise((done) => setTimeout(done, 5))
        return ok({ greeting: greeter.greet(body.name) }, 202)
      }
    })
  ),
  route("GET", "/hello", () => Effect.succeed(ok({ via: "effect" })))
]

const runtime = ManagedRuntime.make(Layer.succeed(Greeter, { greet: (name) => `hello ${name}` }))
let server: Server
let base = ""

beforeAll(async () => {
  const config = loadConfig({}, { PUSHBACK_ADMIN_TOKEN: "admin-token-of-the-plain-route-test" })
  server = createServer(makeRequestListener(routes, runtime, config, makeMetrics()))
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((done) => server.close(done))
  await runtime.dispose()
})

const post = async (body: unknown) => {
  const res = await fetch(`${base}/hello`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  return { status: res.status, body: await res.json() }
}

it("answers what the plain handler answers, made from the services once for every request", async () => {
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) => post({ name: `n${i}`, wait: i % 2 === 0 }))
  )
  expect(answers).toEqual(answers.map((_, i) => ({ status: 202, body: { greeting: `hello n${i}` } })))
  expect(made).toBe(1)
  // the table's Effect routes are untouched
  expect(await (await fetch(`${base}/hello`)).json()).toEqual({ via: "effect" })
})

it("answers an ApiError thrown or rejected with as the error body of §3.5", async () => {
  expect(await post({ name: 7 })).toEqual({
    status: 400,
    body: { error: { code: "bad_request", message: "name: must be a string", details: { field: "name" } } }
  })
  expect(await post({ name: "later" })).toEqual({
    status: 409,
    body: { error: { code: "conflict", message: "not now" } }
  })
})

it("turns anything else into a 500 that says nothing inside, and logs it with the route", async () => {
  const logged = vi.spyOn(console, "error").mockImplementation(() => undefined)
  try {
    expect(await post({ name: "boom" })).toEqual({
      status: 500,
      body: { error: { code: "internal", message: "internal error" } }
    })
    expect(String(logged.mock.calls[0]?.[0])).toMatch(
      /internal error on POST \/hello: TypeError: a bug in a handler/
    )
  } finally {
    logged.mockRestore()
  }
  expect((await post({ name: "again" })).status).toBe(202)
})

it("runs the same handler as an Effect (route.handler) for callers inside Effect", async () => {
  const handler = routes[0]!.handler
  const ctx = (body: unknown) => ({
    method: "POST",
    path: "/hello",
    params: {},
    query: new URLSearchParams(),
    headers: {},
    body,
    credential: undefined,
    baseUrl: "http://unit.test"
  })
  expect(await runtime.runPromise(handler(ctx({ name: "fx" })))).toEqual(ok({ greeting: "hello fx" }, 202))
  const refused = await runtime.runPromise(Effect.flip(handler(ctx({ name: 1 }))))
  expect(refused.code).toBe("bad_request")
})

it("crosses between plain code and Effect: values, promises, refusals and defects", async () => {
  expect(await Effect.runPromise(lift(() => 1))).toBe(1)
  expect(await Effect.runPromise(lift(() => Promise.resolve(2)))).toBe(2)
  const refusal = badRequest("x: no", "x")
  expect(await Effect.runPromise(Effect.flip(attempt(() => Promise.reject(refusal))))).toBe(refusal)
  expect(
    await Effect.runPromise(
      Effect.flip(
        attempt(() => {
          throw refusal
        })
      )
    )
  ).toBe(refusal)
  const defect = await Effect.runPromiseExit(attempt(() => Promise.reject(new Error("bug"))))
  expect(defect._tag === "Failure" && String(defect.cause)).toMatch(/bug/)
  expect(mapPlain(4, (n) => n + 1)).toBe(5)
  expect(await mapPlain(Promise.resolve(4), (n) => n + 1)).toBe(5)
  expect(await runPlain(Effect.succeed(3))).toBe(3)
  await expect(runPlain(Effect.fail(refusal))).rejects.toBe(refusal)
  await expect(runPlain(Effect.die(new Error("deep bug")))).rejects.toThrow(/deep bug/)
})
