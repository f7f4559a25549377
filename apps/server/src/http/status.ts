/**
 * Status and operations endpoints (no credential): ping, info, liveness, readiness, metrics.
 */
import { Effect } from "effect"
import { ApiError } from "./ApiError.js"
import { Bus } from "../cluster/bus/Bus.js"
import { Config } from "../config/Config.js"
import { Metrics } from "../stats/Metrics.js"
import { Sessions } from "../stream/Sessions.js"
import { Store } from "../storage/Store.js"
import { ok, route } from "./Route.js"

export const statusRoutes = [
  route("GET", "/v1/status/ping", () => Effect.succeed(ok({ ok: true }))),
  route("GET", "/v1/status/info", () =>
    Effect.map(Config, (c) => ok({ name: "pushback", version: c.version }))
  ),
  route("GET", "/healthz", () => Effect.succeed(ok({ ok: true }))),
  route("GET", "/readyz", () =>
    Effect.gen(function* () {
      const storeOk = yield* (yield* Store).ping.pipe(
        Effect.as(true),
        Effect.catchAllDefect(() => Effect.succeed(false))
      )
      const busOk = yield* (yield* Bus).ping
      if (!storeOk || !busOk) {
        return yield* new ApiError({
          code: "unavailable",
          message: "not ready",
          details: { store: storeOk, bus: busOk }
        })
      }
      // What a 2xx relies on, read from the writer connection itself (not a default).
      const { journalMode, synchronous } = yield* (yield* Store).durability
      return ok({ ok: true, store: true, bus: true, storage: { journalMode, synchronous } })
    })
  ),
  route("GET", "/metrics", () =>
    Effect.gen(function* () {
      const text = (yield* Metrics).render((yield* Sessions).census(), yield* (yield* Store).durability)
      return {
        status: 200,
        raw: text,
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" }
      }
    })
  )
]
