/**
 * `useChannel`: a component's subscription to one channel (PROTOCOL.md §12), over the
 * `ChannelsProvider`'s client: the publications received while mounted (the last `keep`), a
 * `publish`, and the last `subscribed` event — whose `recovered: false` after a reconnect means
 * publications were lost and the component should reload its state from your backend.
 */
import type { Channel, ChannelClient, Publication, SubscribedEvent } from "@pushback/browser/channels"
import { useCallback, useEffect, useMemo, useRef, useState } from "react"
import { useChannelClient } from "./useChannelClient.js"

/** Options of `useChannel` and `usePresence`. */
export interface ChannelHookOptions {
  /** A channel token from your backend, for a channel the user token does not open. */
  readonly token?: string | undefined
  /** A channels client to use instead of the provider's. */
  readonly client?: ChannelClient | undefined
}

/** Options of `useChannel`. */
export interface UseChannelOptions extends ChannelHookOptions {
  /** How many of the latest publications `publications` holds. Default 100. */
  readonly keep?: number
  /** Called for each publication, in order (the latest function given is called). */
  readonly onPublication?: (publication: Publication) => void
}

/** What `useChannel` answers. */
export interface UseChannelResult {
  /** The channel, once the client exists (undefined during server rendering). */
  readonly channel: Channel | undefined
  /** The publications received since mounting (the last `keep`), oldest first. */
  readonly publications: ReadonlyArray<Publication>
  /** Publishes to the other subscribers; rejects before the client exists. */
  readonly publish: (data: unknown) => Promise<{ offset: number; epoch: string }>
  /** The last `subscribed` event: `recovered: false` means "reload". */
  readonly subscribed: SubscribedEvent | undefined
}

/** The channel of `name` from `options.client` or the provider, undefined until there is a client. */
export const useChannelOf = (name: string, options: ChannelHookOptions): Channel | undefined => {
  const provided = useChannelClient()
  const client = options.client ?? provided
  const { token } = options
  return useMemo(() => client?.channel(name, { token }), [client, name, token])
}

/** Subscribes to `name` while mounted. */
export const useChannel = (name: string, options: UseChannelOptions = {}): UseChannelResult => {
  const channel = useChannelOf(name, options)
  const keep = options.keep ?? 100
  const onPublication = useRef(options.onPublication)
  onPublication.current = options.onPublication
  const [publications, setPublications] = useState<ReadonlyArray<Publication>>([])
  const [subscribed, setSubscribed] = useState<SubscribedEvent | undefined>(undefined)

  useEffect(() => {
    if (channel === undefined) return
    setPublications([])
    const offSubscribed = channel.on("subscribed", setSubscribed)
    const off = channel.subscribe((publication) => {
      onPublication.current?.(publication)
      setPublications((list) => [...list, publication].slice(-keep))
    })
    return () => {
      off()
      offSubscribed()
    }
  }, [channel, keep])

  const publish = useCallback(
    (data: unknown) =>
      channel === undefined
        ? Promise.reject(new Error("PushBack: no channels client yet"))
        : channel.publish(data),
    [channel]
  )
  return { channel, publications, publish, subscribed }
}
