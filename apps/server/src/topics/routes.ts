/**
 * The topic routes (PROTOCOL.md §11): a backend's `/v1/topics…` and `/v1/users/{id}/topics`
 * (app secret), a user's `/v1/me/topics…` (user token), and the operator's list of an app's
 * topics for the dashboard (`/v1/apps/{appId}/topics`, admin token).
 */
import { Effect } from "effect"
import { appRoute, asApp, asUser } from "../auth/guards.js"
import { decodeQuery, noContent, ok, PageQuery, route } from "../http/Route.js"
import {
  deleteTopic,
  followTopic,
  getTopic,
  leaveTopic,
  listSubscribers,
  listTopics,
  putTopic,
  subscribeUsers,
  TopicsQuery,
  unsubscribeUsers
} from "./topics.js"
import { TopicStore } from "./TopicStore.js"

/** Every topic route; the operator's list is under `/v1/apps/{appId}` (the dashboard). */
export const topicRoutes = [
  appRoute("GET", "/topics", (app, ctx) =>
    Effect.gen(function* () {
      const query = yield* decodeQuery(TopicsQuery, ctx.query, ["limit", "offset", "prefix"])
      return ok(yield* listTopics(app.id, query))
    })
  ),
  route("PUT", "/v1/topics/:key", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const { topic, created } = yield* putTopic(app.id, ctx.params["key"]!, ctx.body)
      return ok(topic, created ? 201 : 200)
    })
  ),
  route("GET", "/v1/topics", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const query = yield* decodeQuery(TopicsQuery, ctx.query, ["limit", "offset", "prefix"])
      return ok(yield* listTopics(app.id, query))
    })
  ),
  route("GET", "/v1/topics/:key", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok(yield* getTopic(app.id, ctx.params["key"]!))
    })
  ),
  route("DELETE", "/v1/topics/:key", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      yield* deleteTopic(app.id, ctx.params["key"]!)
      return noContent
    })
  ),
  route("POST", "/v1/topics/:key/subscribers", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok(yield* subscribeUsers(app.id, ctx.params["key"]!, ctx.body))
    })
  ),
  route(
    "DELETE",
    "/v1/topics/:key/subscribers",
    (ctx) =>
      Effect.gen(function* () {
        const app = yield* asApp(ctx)
        return ok(yield* unsubscribeUsers(app.id, ctx.params["key"]!, ctx.body))
      }),
    { deleteBody: true }
  ),
  route("GET", "/v1/topics/:key/subscribers", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      const page = yield* decodeQuery(PageQuery, ctx.query, ["limit", "offset"])
      return ok(yield* listSubscribers(app.id, ctx.params["key"]!, page))
    })
  ),
  route("GET", "/v1/users/:userId/topics", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok({ topics: yield* (yield* TopicStore).topicsOf(app.id, ctx.params["userId"]!) })
    })
  ),
  route("GET", "/v1/me/topics", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      return ok({ topics: yield* (yield* TopicStore).userTopics(me.app.id, me.user) })
    })
  ),
  route("PUT", "/v1/me/topics/:key", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      yield* followTopic(me.app.id, me.user, ctx.params["key"]!)
      return noContent
    })
  ),
  route("DELETE", "/v1/me/topics/:key", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      yield* leaveTopic(me.app.id, me.user, ctx.params["key"]!)
      return noContent
    })
  )
]
