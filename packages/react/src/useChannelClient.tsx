/**
 * `ChannelsProvider` and `useChannelClient`: the one `@pushback/browser/channels` client (one
 * channel connection per tab) that `useChannel` and `usePresence` below it share. Like
 * `PushBackProvider`, it owns a client made from `options` — created in an effect after the first
 * commit, so server rendering opens nothing, and closed on unmount — or uses the `client` given.
 * The client connects only while some channel has a listener.
 */
import {
  type ChannelClient,
  type ChannelClientOptions,
  createChannelClient
} from "@pushback/browser/channels"
import { createContext, type ReactNode, useContext, useEffect, useState } from "react"

const ChannelsContext = createContext<ChannelClient | undefined>(undefined)

/** Props of `ChannelsProvider`: exactly one of `client` and `options`. */
export type ChannelsProviderProps =
  | {
      /** A channels client the application created and closes itself. */
      readonly client: ChannelClient
      readonly options?: undefined
      readonly children?: ReactNode
    }
  | {
      /** Options of `createChannelClient`; a change of `url` or `token` makes a new client. */
      readonly options: ChannelClientOptions
      readonly client?: undefined
      readonly children?: ReactNode
    }

/** Provides a channels client to `useChannel` and `usePresence`. */
export function ChannelsProvider(props: ChannelsProviderProps): ReactNode {
  const [owned, setOwned] = useState<ChannelClient | undefined>(undefined)
  const { client, options } = props
  const url = options?.url
  const token = options?.token
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new client only for a new server or user; other options are read at creation
  useEffect(() => {
    if (client !== undefined || options === undefined) return
    const made = createChannelClient(options)
    setOwned(made)
    return () => {
      made.close()
      setOwned(undefined)
    }
  }, [client, url, token])
  return <ChannelsContext.Provider value={client ?? owned}>{props.children}</ChannelsContext.Provider>
}

/** The channels client of the nearest `ChannelsProvider` (undefined before its first effect, and outside one). */
export const useChannelClient = (): ChannelClient | undefined => useContext(ChannelsContext)
