/**
 * `usePushBackClient`: the provider's client itself, for what the hooks do not cover
 * (`on`, `transport`, `subscribe`).
 */
import type { PushBackClient } from "@pushback/browser"
import { useSyncExternalStore } from "react"
import { useSource } from "./internal/context.js"

const serverClient = () => undefined

/**
 * The provider's client; `undefined` on the server and, for a provider given options, until
 * its first effect has created the client.
 */
export const usePushBackClient = (): PushBackClient | undefined => {
  const source = useSource("usePushBackClient")
  return useSyncExternalStore(source.subscribe, source.getClient, serverClient)
}
