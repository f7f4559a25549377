/**
 * The React context that carries a provider's `Source` to its hooks.
 */
import { createContext, useContext } from "react"
import type { Source } from "./source.js"

/** Set by `PushBackProvider`; undefined outside one. */
export const SourceContext = createContext<Source | undefined>(undefined)
SourceContext.displayName = "PushBack"

/** The nearest provider's source; throws outside a provider, naming the hook. */
export const useSource = (hook: string): Source => {
  const source = useContext(SourceContext)
  if (source === undefined) throw new Error(`${hook}() must be used inside <PushBackProvider>`)
  return source
}
