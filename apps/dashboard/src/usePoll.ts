/**
 * Live data by polling: the dashboard reads the API again every few seconds (and at once when
 * what they read changes), so charts and tables follow what happens without a stream of their own.
 */
import { useCallback, useEffect, useState } from "react"

/** How often live views read again. */
export const POLL_MS = 2000

/**
 * The latest answer of `load`, read now, every `POLL_MS`, and again whenever `load` changes
 * (callers make it with `useCallback` over what it reads); `reload` reads at once.
 */
export const usePoll = <T>(load: () => Promise<T>) => {
  const [data, setData] = useState<T | undefined>(undefined)
  const [error, setError] = useState<string | undefined>(undefined)
  const reload = useCallback(async () => {
    try {
      setData(await load())
      setError(undefined)
    } catch (e) {
      setError((e as Error).message)
    }
  }, [load])
  useEffect(() => {
    void reload()
    const timer = setInterval(() => void reload(), POLL_MS)
    return () => clearInterval(timer)
  }, [reload])
  return { data, error, reload }
}
