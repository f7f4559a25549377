/**
 * @pushback/node — the PushBack SDK for Node backends: notify users, manage users and event
 * types, mint browser tokens, receive a user's stream (`subscribe`), verify webhooks
 * (`verifyWebhook`), and (with the admin token) manage apps.
 */
export { PushBack, type ListNotificationsOptions, type ListUsersOptions } from "./PushBack.js"
export { PushBackAdmin } from "./Admin.js"
export type { EventTypes } from "./EventTypes.js"
export type { ListTopicsOptions, Topics } from "./Topics.js"
export type { Channels, ChannelTokenOptions, PublishOptions } from "./Channels.js"
export type { ConversationMembers, Conversations } from "./Conversations.js"
export { PushBackError, type PushBackErrorCode, type PushBackErrorInit } from "./errors.js"
export type {
  AdminOptions,
  FetchInit,
  FetchLike,
  FetchResponse,
  PushBackOptions,
  TransportOptions
} from "./options.js"
export {
  type Code,
  Codes,
  type ConnectionState,
  type StateEvent,
  type SubscribeOptions,
  type SubscribeTarget,
  type Subscription,
  type TransportName
} from "./Subscription.js"
export type { UserTokenClaims, UserTokenOptions } from "./token.js"
export {
  type VerifyWebhookOptions,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookHeaders
} from "./webhook.js"
export type {
  AppSummary,
  CallRecipient,
  Conversation,
  ConversationMember,
  ConversationSettings,
  CreateConversationRequest,
  CreatedApp,
  EmailOptions,
  EmailState,
  ErrorCode,
  EventType,
  ListStatus,
  Message,
  Notification,
  NotificationList,
  NotifyCall,
  NotifyRequest,
  NotifyResponse,
  PostMessageRequest,
  PutEventTypeRequest,
  RegisterUsersResponse,
  RotatedSecret,
  Stats,
  User,
  UserDetail,
  UserList,
  UpdateConversationRequest,
  UserRef,
  Webhook,
  WebhookAttempt,
  WebhookEvent,
  WebhookEventName
} from "@pushback/protocol"
