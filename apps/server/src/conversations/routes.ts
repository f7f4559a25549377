/**
 * The conversation routes (PROTOCOL.md §13): a backend's `/v1/conversations…` and
 * `/v1/conversation-settings` (app secret), a member's `/v1/me/conversations…` (user token), and
 * the operator's list of an app's conversations for the dashboard (`/v1/apps/{appId}/conversations`,
 * admin token). Conversations and messages are answered as JSON text encoded once (encode.ts).
 */
import { MessagesQuery } from "@pushback/protocol"
import { Effect } from "effect"
import { appRoute, asApp, asUser } from "../auth/guards.js"
import { badRequest } from "../http/ApiError.js"
import { type Answer, decodeQuery, noContent, ok, PageQuery, route } from "../http/Route.js"
import { DefaultLimits } from "@pushback/protocol"
import {
  conversationsOf,
  createConversation,
  deleteConversation,
  getConversation,
  historyOf,
  markRead,
  postAsApp,
  putSettings,
  sendAsUser,
  settingsOf,
  typing,
  updateConversation
} from "./conversations.js"
import { ConversationStore } from "./ConversationStore.js"

/** A body with no fields (typing takes none): an object without keys, or none. */
const noBody = (body: unknown) => {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return Effect.fail(badRequest("body: must be a JSON object", "body"))
  const [field] = Object.keys(body)
  return field === undefined
    ? Effect.void
    : Effect.fail(badRequest(`unknown field ${field}; this endpoint takes none`, field))
}

/** JSON text already encoded. */
const raw = (text: string, status = 200): Answer => ({ status, raw: text })

/** Every conversation route; the operator's list is under `/v1/apps/{appId}` (the dashboard). */
export const conversationRoutes = [
  appRoute("GET", "/conversations", (app, ctx) =>
    Effect.gen(function* () {
      const page = yield* decodeQuery(PageQuery, ctx.query, ["limit", "offset"])
      const list = yield* (yield* ConversationStore).summaries(
        app.id,
        page.limit ?? DefaultLimits.pageLimit,
        page.offset ?? 0
      )
      return ok(list)
    })
  ),
  route("POST", "/v1/conversations", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return raw(yield* createConversation(app.id, ctx.body), 201)
    })
  ),
  route("GET", "/v1/conversations/:id", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return raw(yield* getConversation(app.id, ctx.params["id"]!))
    })
  ),
  route("PATCH", "/v1/conversations/:id", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return raw(yield* updateConversation(app.id, ctx.params["id"]!, ctx.body))
    })
  ),
  route("DELETE", "/v1/conversations/:id", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      yield* deleteConversation(app.id, ctx.params["id"]!)
      return noContent
    })
  ),
  route("POST", "/v1/conversations/:id/messages", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return raw(yield* postAsApp(app.id, ctx.params["id"]!, ctx.body), 201)
    })
  ),
  route("GET", "/v1/conversation-settings", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok(yield* settingsOf(app.id))
    })
  ),
  route("PUT", "/v1/conversation-settings", (ctx) =>
    Effect.gen(function* () {
      const app = yield* asApp(ctx)
      return ok(yield* putSettings(app.id, ctx.body))
    })
  ),
  route("GET", "/v1/me/conversations", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const page = yield* decodeQuery(PageQuery, ctx.query, ["limit", "offset"])
      return raw(
        yield* conversationsOf(me.app.id, me.user, page.limit ?? DefaultLimits.pageLimit, page.offset ?? 0)
      )
    })
  ),
  route("GET", "/v1/me/conversations/:id/messages", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      const query = yield* decodeQuery(MessagesQuery, ctx.query, ["before", "limit"])
      return raw(yield* historyOf(me.app.id, me.user, ctx.params["id"]!, query))
    })
  ),
  route("POST", "/v1/me/conversations/:id/messages", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      return raw(yield* sendAsUser(me.app.id, me.user, ctx.params["id"]!, ctx.body), 201)
    })
  ),
  route("POST", "/v1/me/conversations/:id/read", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      return ok(yield* markRead(me.app.id, me.user, ctx.params["id"]!, ctx.body))
    })
  ),
  route("POST", "/v1/me/conversations/:id/typing", (ctx) =>
    Effect.gen(function* () {
      const me = yield* asUser(ctx)
      // No body is taken: any field in one is unknown (PROTOCOL.md §16).
      if (ctx.body !== undefined) yield* noBody(ctx.body)
      yield* typing(me.app.id, me.user, ctx.params["id"]!)
      return noContent
    })
  )
]
