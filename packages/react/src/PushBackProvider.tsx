/**
 * `PushBackProvider`: makes one PushBack client available to the hooks below it.
 *
 * Given `client`, it uses that client and never closes it: the application owns it. Given
 * `options`, it owns a client: it creates it in an effect after the first commit (never
 * during render, so server rendering opens nothing) and closes it on unmount. StrictMode's
 * unmount-and-remount of effects keeps the same client, because the close is deferred by one
 * task and cancelled by the remount: a double mount never opens two connections.
 */
import { createClient, type PushBackClient, type PushBackOptions } from "@pushback/browser"
import { type ReactNode, useEffect, useMemo, useRef, useState } from "react"
import { SourceContext } from "./internal/context.js"
import { fixedSource, lazySource } from "./internal/source.js"

/** Props of `PushBackProvider`: exactly one of `client` and `options`. */
export type PushBackProviderProps =
  | {
      /** A client the application created (`PushBack.init` or `createClient`) and closes itself. */
      readonly client: PushBackClient
      readonly options?: undefined
      readonly children?: ReactNode
    }
  | {
      /**
       * Options of `PushBack.init`; the provider creates its client from them and closes it on
       * unmount. A change of `url` or `token` replaces the client; the other options are read
       * when it is created (give the provider a `key` to start over, e.g. on sign-out).
       * `getToken` may change freely: the latest one is called.
       */
      readonly options: PushBackOptions
      readonly client?: undefined
      readonly children?: ReactNode
    }

/** Provides a PushBack client to `useNotifications`, `useUnseenCount` and the other hooks. */
export function PushBackProvider(props: PushBackProviderProps): ReactNode {
  return props.client !== undefined ? (
    <ClientProvider client={props.client}>{props.children}</ClientProvider>
  ) : (
    <OwnedProvider options={props.options}>{props.children}</OwnedProvider>
  )
}

function ClientProvider({ client, children }: { client: PushBackClient; children?: ReactNode }): ReactNode {
  const source = useMemo(() => fixedSource(client), [client])
  return <SourceContext.Provider value={source}>{children}</SourceContext.Provider>
}

/** The client an `OwnedProvider` made, what it was made from, and its pending close. */
interface Owned {
  readonly client: PushBackClient
  readonly key: string
  closing: ReturnType<typeof setTimeout> | undefined
}

function OwnedProvider({ options, children }: { options: PushBackOptions; children?: ReactNode }): ReactNode {
  const [{ source, attach }] = useState(lazySource)
  const latest = useRef(options)
  const owned = useRef<Owned | undefined>(undefined)
  const key = `${options.url}\n${options.token ?? ""}`

  useEffect(() => {
    latest.current = options
  })

  useEffect(() => {
    let own = owned.current
    if (own !== undefined && own.key === key && own.client.state !== "closed") {
      // StrictMode remounted the effect: keep the client its cleanup was about to close.
      clearTimeout(own.closing)
      own.closing = undefined
    } else {
      if (own !== undefined) {
        clearTimeout(own.closing)
        own.client.close()
      }
      const { getToken, ...rest } = latest.current
      const client = createClient(
        getToken === undefined ? rest : { ...rest, getToken: () => latest.current.getToken?.() ?? getToken() }
      )
      own = { client, key, closing: undefined }
      owned.current = own
      attach(client)
    }
    const mine = own
    return () => {
      mine.closing = setTimeout(() => mine.client.close(), 0)
    }
  }, [key, attach])

  return <SourceContext.Provider value={source}>{children}</SourceContext.Provider>
}
