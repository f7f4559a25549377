/**
 * `usePushBackEvent`: runs a callback on a client event — a toast per new notification, a
 * log line per state change — without re-rendering. Listens while the component is mounted.
 */
import type { PushBackEvents } from "@pushback/browser"
import { useEffect, useRef } from "react"
import { usePushBackClient } from "./usePushBackClient.js"

/**
 * Calls `listener` on every `type` event of the provider's client (`"notification"`,
 * `"seen"`, `"read"`, `"deleted"`, `"state"`). The latest `listener` is called; it need not
 * be memoized.
 */
export const usePushBackEvent = <K extends keyof PushBackEvents>(
  type: K,
  listener: PushBackEvents[K]
): void => {
  const client = usePushBackClient()
  const latest = useRef(listener)
  useEffect(() => {
    latest.current = listener
  })
  useEffect(() => {
    if (client === undefined) return
    const forward = (arg: unknown) => (latest.current as (arg: unknown) => void)(arg)
    return client.on(type, forward as PushBackEvents[K])
  }, [client, type])
}
