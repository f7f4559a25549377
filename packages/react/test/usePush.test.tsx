/**
 * `usePush` where the browser has no Web Push (jsdom, like an old browser or an iOS page not
 * installed as an app): it says `unsupported`, and subscribing neither throws nor calls the
 * server. The supported path runs in a real browser (test/e2e's Firefox push test).
 */
import { act, renderHook, waitFor } from "@testing-library/react"
import { expect, it } from "vitest"
import { usePush } from "../src/index.js"

it("answers unsupported without service workers, and subscribe changes nothing", async () => {
  const { result } = renderHook(() => usePush({ url: "http://127.0.0.1:9", token: "t" }))
  await waitFor(() => expect(result.current.state).toBe("unsupported"))
  await act(() => result.current.subscribe())
  expect(result.current.state).toBe("unsupported")
  expect(result.current.error).toBeUndefined()
  expect(result.current.busy).toBe(false)
})
