/**
 * `useConnectionState`: where the connection stands, re-rendering only when that changes.
 */
import type { ConnectionState } from "@pushback/browser"
import { useCallback, useSyncExternalStore } from "react"
import { useSource } from "./internal/context.js"

const serverState = (): ConnectionState => "connecting"

/**
 * `"connecting"`, `"connected"`, `"reconnecting"`, `"disconnected"` or `"closed"` (the
 * browser SDK's `ConnectionState`). `"connecting"` on the server and until the provider's
 * client exists.
 */
export const useConnectionState = (): ConnectionState => {
  const source = useSource("useConnectionState")
  const get = useCallback(() => source.getSnapshot().state, [source])
  return useSyncExternalStore(source.subscribe, get, serverState)
}
