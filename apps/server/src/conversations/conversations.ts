/**
 * Conversations (PROTOCOL.md §13), what the API does with them: a backend creates, reads,
 * changes and deletes conversations and posts (system) messages; a member lists their
 * conversations, pages history, sends, marks read and says they are typing. Bodies are
 * validated here; storage is ConversationStore's, and every write's stream entries are published
 * on the bus once committed (a 2xx means stored and on its way to every member).
 *
 * Who may see what (§3.5): a conversation the caller is not a member of — never was, was
 * removed, or that does not exist — is 404 on every `/v1/me/conversations/{id}…` path, so a
 * non-member cannot tell which conversations exist.
 */
import {
  ConversationId,
  CreateConversationRequest,
  DefaultMessagePageLimit,
  PostMessageRequest,
  PutConversationSettingsRequest,
  ReadConversationRequest,
  SendMessageRequest,
  UpdateConversationRequest
} from "@pushback/protocol"
import { Effect, Schema } from "effect"
import { lift } from "../http/plain.js"
import { Bus } from "../cluster/bus/Bus.js"
import { Presence } from "../cluster/presence/Presence.js"
import { ApiError, badRequest, notFound } from "../http/ApiError.js"
import { decodeBody } from "../http/Route.js"
import { randomId } from "../notify/Delivery.js"
import type { StreamEntry } from "../notify/Encode.js"
import { Outbox } from "../outbox/Outbox.js"
import { ConversationStore, type MessageRecord } from "./ConversationStore.js"
import { encodeConversation, encodeMessage } from "./encode.js"
import { Typing } from "./Typing.js"

/** 404 naming the conversation. */
const noConversation = (id: string) => notFound(`conversation ${id} not found`)

/** A conversation id from a path; one that cannot exist names nothing: 404. */
const idOf = (id: string): Effect.Effect<string, ApiError> =>
  Schema.is(ConversationId)(id) ? Effect.succeed(id) : Effect.fail(noConversation(id))

/** JSON text of optional `data` (undefined or null: none). */
const dataOf = (data: unknown): string | null =>
  data === undefined || data === null ? null : JSON.stringify(data)

/** Whether a text holds U+0000, which PostgreSQL text cannot store (so no stored key has it). */
const hasNul = (v: unknown): boolean =>
  typeof v === "string" ? v.includes("\u0000") : Array.isArray(v) && v.some(hasNul)

/**
 * Decodes a body and refuses U+0000 in its texts and ids (`data` is JSON text, where it is
 * escaped): 400 naming the field on both stores, never a PostgreSQL error.
 */
const decodeRequest = <A extends object, I>(schema: Schema.Schema<A, I>, body: unknown) =>
  Effect.flatMap(decodeBody(schema, body), (req) => {
    const field = Object.entries(req).find(([k, v]) => k !== "data" && hasNul(v))?.[0]
    return field === undefined
      ? Effect.succeed(req)
      : Effect.fail(badRequest(`${field}: must not contain U+0000`, field))
  })

/** Publishes committed entries (never fails: the bus only wakes sessions). */
const publish = (app: string, entries: ReadonlyArray<StreamEntry>) =>
  entries.length === 0 ? Effect.void : Effect.map(Bus, (bus) => bus.publish(app, entries))

/** Creates a conversation: 201 with it; 409 when its id is taken. */
export const createConversation = (app: string, body: unknown) =>
  Effect.gen(function* () {
    const req = yield* decodeRequest(CreateConversationRequest, body)
    const members = [...new Set(req.members)]
    if (members.length < 2)
      return yield* badRequest("members: a conversation has at least 2 distinct users", "members")
    const id = req.id ?? `cnv_${randomId()}`
    const input = { id, members, title: req.title ?? null, data: dataOf(req.data) }
    const written = yield* (yield* ConversationStore).create(app, input, new Date().toISOString())
    if (written === undefined) {
      return yield* new ApiError({
        code: "conflict",
        message: `conversation ${id} exists`,
        details: { field: "id" }
      })
    }
    yield* publish(app, written.entries)
    return encodeConversation(written.value)
  })

/** One conversation (backend); 404 when there is none. */
export const getConversation = (app: string, rawId: string) =>
  Effect.gen(function* () {
    const id = yield* idOf(rawId)
    const c = yield* (yield* ConversationStore).get(app, id)
    if (c === undefined) return yield* noConversation(id)
    return encodeConversation(c)
  })

/** Renames, changes data, adds and removes members; every member, old and new, gets the result. */
export const updateConversation = (app: string, rawId: string, body: unknown) =>
  Effect.gen(function* () {
    const id = yield* idOf(rawId)
    const req = yield* decodeRequest(UpdateConversationRequest, body ?? {})
    const add = [...new Set(req.add ?? [])]
    const remove = [...new Set(req.remove ?? [])]
    const both = add.find((u) => remove.includes(u))
    if (both !== undefined) return yield* badRequest(`remove: ${both} is also in add`, "remove")
    const change = {
      title: req.title,
      data: req.data === undefined ? undefined : dataOf(req.data),
      add,
      remove
    }
    const outcome = yield* (yield* ConversationStore).update(app, id, change, new Date().toISOString())
    switch (outcome._tag) {
      case "NotFound":
        return yield* noConversation(id)
      case "BadSize":
        return yield* badRequest(
          `members: a conversation has 2-100 members; this change leaves ${outcome.size}`,
          add.length > 0 ? "add" : "remove"
        )
      case "Updated":
        yield* publish(app, outcome.written.entries)
        return encodeConversation(outcome.written.value)
    }
  })

/** Deletes a conversation and its messages; its members get it once more, with no members. */
export const deleteConversation = (app: string, rawId: string) =>
  Effect.gen(function* () {
    const id = yield* idOf(rawId)
    const written = yield* (yield* ConversationStore).remove(app, id, new Date().toISOString())
    if (written === undefined) return yield* noConversation(id)
    yield* publish(app, written.entries)
  })

/**
 * Stores a message and puts it on every member's stream in one transaction; members away now get
 * an away notification job (awaySender.ts). Answers the stored message, or the first one for a
 * repeated `clientId`.
 */
const post = (
  app: string,
  id: string,
  message: { author: string | null; text: string; data: unknown; clientId: string | null }
) =>
  Effect.gen(function* () {
    const store = yield* ConversationStore
    const c = yield* store.get(app, id)
    if (c === undefined) return { _tag: "NotFound" as const }
    const presence = yield* Presence
    const online = yield* lift(() =>
      presence.onlineOf(
        app,
        c.members.map((m) => m.user)
      )
    )
    const outcome = yield* store.post(
      app,
      id,
      {
        author: message.author,
        text: message.text,
        data: dataOf(message.data),
        clientId: message.clientId,
        online: [...online]
      },
      new Date().toISOString()
    )
    if (outcome._tag === "Stored") {
      yield* publish(app, outcome.entries)
      if (outcome.queued > 0) (yield* Outbox).wake()
    }
    return outcome
  })

/** The answer to a stored or repeated message: 201 with it. */
const messageAnswer = (m: MessageRecord) => encodeMessage(m)

/** A message from the backend: `author` absent or null is a system message; a named author must be a member. */
export const postAsApp = (app: string, rawId: string, body: unknown) =>
  Effect.gen(function* () {
    const id = yield* idOf(rawId)
    const req = yield* decodeRequest(PostMessageRequest, body)
    const outcome = yield* post(app, id, {
      author: req.author ?? null,
      text: req.text,
      data: req.data,
      clientId: null
    })
    if (outcome._tag === "NotFound") return yield* noConversation(id)
    if (outcome._tag === "NotMember")
      return yield* badRequest(`author: ${req.author} is not a member`, "author")
    return messageAnswer(outcome.message)
  })

/** A message from a member (user token); a repeat of their `clientId` answers the first one. */
export const sendAsUser = (app: string, user: string, rawId: string, body: unknown) =>
  Effect.gen(function* () {
    const id = yield* idOf(rawId)
    const req = yield* decodeRequest(SendMessageRequest, body)
    const outcome = yield* post(app, id, {
      author: user,
      text: req.text,
      data: req.data,
      clientId: req.clientId
    })
    if (outcome._tag === "NotFound" || outcome._tag === "NotMember") return yield* noConversation(id)
    return messageAnswer(outcome.message)
  })

/** 404 unless `user` is a member of `id`. */
const memberOnly = (app: string, user: string, id: string) =>
  Effect.gen(function* () {
    if (hasNul(user) || !(yield* (yield* ConversationStore).isMember(app, id, user)))
      return yield* noConversation(id)
  })

/** A page of a member's history, newest first (`before`: a seq; `limit` ≤ 100, default 50). */
export const historyOf = (
  app: string,
  user: string,
  rawId: string,
  query: { readonly before?: number | undefined; readonly limit?: number | undefined }
) =>
  Effect.gen(function* () {
    const id = yield* idOf(rawId)
    yield* memberOnly(app, user, id)
    const messages = yield* (yield* ConversationStore).messages(
      app,
      id,
      query.before,
      query.limit ?? DefaultMessagePageLimit
    )
    return `{"messages":[${messages.map(encodeMessage).join(",")}]}`
  })

/** A user's conversations, most recent activity first, with unread counts and latest messages. */
export const conversationsOf = (app: string, user: string, limit: number, offset: number) =>
  Effect.gen(function* () {
    if (hasNul(user)) return '{"count":0,"results":[]}'
    const { count, results } = yield* (yield* ConversationStore).ofUser(app, user, limit, offset)
    const items = results.map(
      (r) =>
        `${encodeConversation(r.conversation).slice(0, -1)},"unread":${r.unread},"lastMessage":${
          r.lastMessage === null ? "null" : encodeMessage(r.lastMessage)
        }}`
    )
    return `{"count":${count},"results":[${items.join(",")}]}`
  })

/** Moves a member's read mark forward (never back); every member's stream gets the receipt. */
export const markRead = (app: string, user: string, rawId: string, body: unknown) =>
  Effect.gen(function* () {
    const id = yield* idOf(rawId)
    const { seq } = yield* decodeBody(ReadConversationRequest, body)
    const written = yield* (yield* ConversationStore).read(app, id, user, seq, new Date().toISOString())
    if (written === "NotMember") return yield* noConversation(id)
    yield* publish(app, written.entries)
    return { lastReadSeq: written.value }
  })

/** A member is typing: the other members' live sessions are told (at most once per 2 s); nothing is stored. */
export const typing = (app: string, user: string, rawId: string) =>
  Effect.gen(function* () {
    const id = yield* idOf(rawId)
    const c = yield* (yield* ConversationStore).get(app, id)
    if (c === undefined || !c.members.some((m) => m.user === user)) return yield* noConversation(id)
    const others = c.members.filter((m) => m.user !== user).map((m) => m.user)
    return yield* (yield* Typing).forward(app, id, user, others)
  })

/** The app's conversation settings. */
export const settingsOf = (app: string) =>
  Effect.map(ConversationStore, (store) => store).pipe(
    Effect.flatMap((store) => store.notifyAfter(app)),
    Effect.map((notifyAfter) => ({ notifyAfter }))
  )

/** Changes the app's conversation settings; answers them whole. */
export const putSettings = (app: string, body: unknown) =>
  Effect.gen(function* () {
    const req = yield* decodeBody(PutConversationSettingsRequest, body ?? {})
    const store = yield* ConversationStore
    if (req.notifyAfter !== undefined) yield* store.setNotifyAfter(app, req.notifyAfter)
    return { notifyAfter: yield* store.notifyAfter(app) }
  })
