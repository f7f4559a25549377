/**
 * `usePush`: Web Push on this device for a React component (PROTOCOL.md §14), over
 * `@pushback/browser/push`: the device's state, and `subscribe`/`unsubscribe` that update it.
 * It needs no provider (push is its own entry point) and does nothing during server rendering.
 */
import { createPush, type PushOptions, type PushState, type SubscribeOptions } from "@pushback/browser/push"
import { useCallback, useEffect, useMemo, useRef, useState } from "react"

/** What `usePush` answers. */
export interface UsePushResult {
  /** `undefined` until known (and on the server), then the device's state. */
  readonly state: PushState | undefined
  /** True while a subscribe or unsubscribe is under way. */
  readonly busy: boolean
  /** The last failure of a subscribe or unsubscribe, if any. */
  readonly error: Error | undefined
  readonly subscribe: (options?: SubscribeOptions) => Promise<void>
  readonly unsubscribe: () => Promise<void>
}

/**
 * Web Push for the user the options' token names. A change of `url` or `token` makes a new
 * control; `getToken` may change freely (the latest one is called).
 */
export const usePush = (options: PushOptions): UsePushResult => {
  const latest = useRef(options)
  latest.current = options
  const { url, token } = options
  const push = useMemo(
    () =>
      createPush({
        url,
        token,
        getToken: latest.current.getToken === undefined ? undefined : () => latest.current.getToken!()
      }),
    [url, token]
  )
  const [state, setState] = useState<PushState | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<Error | undefined>(undefined)

  useEffect(() => {
    let live = true
    push.state().then(
      (s) => live && setState(s),
      () => live && setState("unsupported")
    )
    return () => {
      live = false
    }
  }, [push])

  const run = useCallback(
    async (action: () => Promise<unknown>) => {
      setBusy(true)
      setError(undefined)
      try {
        await action()
      } catch (e) {
        setError(e instanceof Error ? e : new Error(String(e)))
      } finally {
        setState(await push.state().catch(() => "unsupported" as const))
        setBusy(false)
      }
    },
    [push]
  )

  const subscribe = useCallback((o?: SubscribeOptions) => run(() => push.subscribe(o)), [run, push])
  const unsubscribe = useCallback(() => run(() => push.unsubscribe()), [run, push])
  return { state, busy, error, subscribe, unsubscribe }
}
