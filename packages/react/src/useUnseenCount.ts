/**
 * `useUnseenCount`: the number for a bell's badge, re-rendering only when it changes.
 */
import { useCallback, useSyncExternalStore } from "react"
import { useSource } from "./internal/context.js"

const serverCount = () => 0

/** How many notifications of the user are unseen (all of them, loaded or not); 0 until known. */
export const useUnseenCount = (): number => {
  const source = useSource("useUnseenCount")
  const get = useCallback(() => source.getSnapshot().unseen, [source])
  return useSyncExternalStore(source.subscribe, get, serverCount)
}
