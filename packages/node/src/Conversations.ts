/**
 * An app's conversations (PROTOCOL.md §13): persistent threads of 2–100 users whose messages
 * reach every member's stream. Reached as `pushBack.conversations`, grouped apart because they
 * are a small API of their own: create, read, rename, delete, change members, post messages
 * (as a member or as the system) and the app's away-notification delay.
 */
import {
  Conversation,
  ConversationId,
  ConversationSettings,
  CreateConversationRequest,
  Message,
  PostMessageRequest,
  PutConversationSettingsRequest,
  UpdateConversationRequest,
  UserId
} from "@pushback/protocol"
import { Schema } from "effect"
import { type HttpClient, segment } from "./internal/http.js"
import { validate } from "./internal/validate.js"

const MemberIds = Schema.Array(UserId)

/** Adds members to a conversation or removes them (each answers the conversation as it is then). */
export interface ConversationMembers {
  /** Adds users (registered when unknown); they receive what is posted from now on. */
  add(id: string, users: ReadonlyArray<string>): Promise<Conversation>
  /** Removes users: they receive nothing more and can no longer read or post. */
  remove(id: string, users: ReadonlyArray<string>): Promise<Conversation>
}

/** `create`, `get`, `update`, `delete`, `post`, `members` and the away-notification `settings`. */
export class Conversations {
  readonly #http: HttpClient
  /** Adds or removes members (`PATCH /v1/conversations/{id}` with `add` or `remove`). */
  readonly members: ConversationMembers

  /** @internal Use `pushBack.conversations`. */
  constructor(http: HttpClient) {
    this.#http = http
    this.members = {
      add: (id, users) => this.update(id, { add: validate(MemberIds, users, "users") }),
      remove: (id, users) => this.update(id, { remove: validate(MemberIds, users, "users") })
    }
  }

  /**
   * Creates a conversation between 2–100 members (`POST /v1/conversations`), registering unknown
   * users; give `id` to choose it (a taken id is 409 `conflict`), else the server makes one.
   */
  async create(request: CreateConversationRequest): Promise<Conversation> {
    return this.#http.call({
      method: "POST",
      path: "/v1/conversations",
      body: validate(CreateConversationRequest, request),
      response: Conversation,
      repeat: "once"
    })
  }

  /** The conversation `id` with its members and how far each has read; 404 when there is none. */
  async get(id: string): Promise<Conversation> {
    return this.#http.call({
      method: "GET",
      path: this.#path(id),
      response: Conversation,
      repeat: "idempotent"
    })
  }

  /**
   * Changes the title or data, adds or removes members (`PATCH /v1/conversations/{id}`); what is
   * left out stays. Every member, old and new, gets a `conversation` entry on their stream.
   */
  async update(id: string, change: UpdateConversationRequest): Promise<Conversation> {
    return this.#http.call({
      method: "PATCH",
      path: this.#path(id),
      body: validate(UpdateConversationRequest, change),
      response: Conversation,
      repeat: "idempotent"
    })
  }

  /** Deletes the conversation and its messages; its members see it go. */
  async delete(id: string): Promise<void> {
    return this.#http.call({
      method: "DELETE",
      path: this.#path(id),
      response: undefined,
      repeat: "idempotent",
      goneIsDone: true
    })
  }

  /**
   * Posts a message (`POST /v1/conversations/{id}/messages`): as the member `author`, or as the
   * system when `author` is left out or null. Answers once it is stored and on its way to every member.
   */
  async post(id: string, message: PostMessageRequest): Promise<Message> {
    return this.#http.call({
      method: "POST",
      path: `${this.#path(id)}/messages`,
      body: validate(PostMessageRequest, message),
      response: Message,
      repeat: "once"
    })
  }

  /** The app's conversation settings: `notifyAfter`, the seconds before an away member is notified. */
  async settings(): Promise<ConversationSettings> {
    return this.#http.call({
      method: "GET",
      path: "/v1/conversation-settings",
      response: ConversationSettings,
      repeat: "idempotent"
    })
  }

  /** Changes the app's conversation settings; answers them whole. */
  async putSettings(settings: PutConversationSettingsRequest): Promise<ConversationSettings> {
    return this.#http.call({
      method: "PUT",
      path: "/v1/conversation-settings",
      body: validate(PutConversationSettingsRequest, settings),
      response: ConversationSettings,
      repeat: "idempotent"
    })
  }

  #path(id: string): string {
    return `/v1/conversations/${segment(validate(ConversationId, id, "id"))}`
  }
}
