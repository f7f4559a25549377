/**
 * `@pushback/react`: a provider and hooks over the `@pushback/browser` store. Re-exports only.
 */
export { PushBackProvider, type PushBackProviderProps } from "./PushBackProvider.js"
export { useConnectionState } from "./useConnectionState.js"
export {
  type NotificationActions,
  type UseNotificationsResult,
  useNotifications
} from "./useNotifications.js"
export { usePushBackClient } from "./usePushBackClient.js"
export { usePushBackEvent } from "./usePushBackEvent.js"
export { type UsePushResult, usePush } from "./usePush.js"
export { useUnseenCount } from "./useUnseenCount.js"
export {
  type ChannelHookOptions,
  type UseChannelOptions,
  type UseChannelResult,
  useChannel
} from "./useChannel.js"
export { ChannelsProvider, type ChannelsProviderProps, useChannelClient } from "./useChannelClient.js"
export { type ConversationActions, type UseConversationResult, useConversation } from "./useConversation.js"
export { type UseConversationsResult, useConversations } from "./useConversations.js"
export { usePresence } from "./usePresence.js"
export type {
  ConnectionState,
  Notification,
  PushBackClient,
  PushBackEvents,
  PushBackOptions,
  Snapshot
} from "@pushback/browser"
export type { PushOptions, PushState, SubscribeOptions } from "@pushback/browser/push"
export type {
  Channel,
  ChannelClient,
  ChannelClientOptions,
  Member,
  Publication,
  SubscribedEvent
} from "@pushback/browser/channels"
export type {
  ChatMessage,
  Conversation,
  ConversationMember,
  ConversationListSnapshot,
  ConversationSnapshot,
  Message,
  MyConversation
} from "@pushback/browser/chat"
