/**
 * Every hook against a real PushBack server: the inbox loads over REST, live notifications
 * and marks arrive over the WebSocket, actions reach the server, and marks made in another
 * session of the same user show up here. No part of the SDK is mocked.
 */
import type { Notification } from "@pushback/browser"
import { createClient } from "@pushback/browser"
import { request, startServer, type TestServer, userToken } from "@pushback/testkit"
import { act, cleanup, render, screen, waitFor } from "@testing-library/react"
import { useRef } from "react"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import {
  PushBackProvider,
  type UseNotificationsResult,
  useConnectionState,
  useNotifications,
  usePushBackEvent,
  useUnseenCount
} from "../src/index.js"
import { type Backend, backend, listOf } from "./support.js"

let server: TestServer
let b: Backend

beforeAll(async () => {
  server = await startServer()
  b = await backend(server, "react-hooks")
})
afterAll(async () => {
  await server?.dispose()
})
afterEach(cleanup)

/** Renders the whole snapshot and hands the hook's result to the test. */
function Inbox({ onResult }: { onResult: (result: UseNotificationsResult) => void }) {
  const result = useNotifications()
  onResult(result)
  return (
    <div>
      <p data-testid="state">{result.state}</p>
      <p data-testid="unseen">{result.unseen}</p>
      <p data-testid="unread">{result.unread}</p>
      <p data-testid="more">{String(result.hasMore)}</p>
      <ul>
        {result.notifications.map((n) => (
          <li key={n.id} data-seen={n.seenAt !== null} data-read={n.readAt !== null}>
            {n.title}
          </li>
        ))}
      </ul>
    </div>
  )
}

/** The unseen count; counts its own renders. */
function Badge({ onRender }: { onRender: () => void }) {
  onRender()
  return <span data-testid="badge">{useUnseenCount()}</span>
}

function Unread() {
  const { unread, state } = useNotifications()
  return (
    <>
      <span data-testid="unread">{unread}</span>
      <span data-testid="state">{state}</span>
    </>
  )
}

/** The connection state; reports each distinct value it renders. */
function State({ onState }: { onState: (state: string) => void }) {
  const state = useConnectionState()
  const last = useRef<string>(undefined)
  if (last.current !== state) onState(state)
  last.current = state
  return <p data-testid="state">{state}</p>
}

/** Calls `onTitle` for each new notification, through the latest listener. */
function Toasts({ onTitle }: { onTitle: (title: string | null) => void }) {
  usePushBackEvent("notification", (n) => onTitle(n.title))
  return <p data-testid="state">{useConnectionState()}</p>
}

const text = (id: string) => screen.getByTestId(id).textContent
const titles = () => screen.queryAllByRole("listitem").map((li) => li.textContent)
const byTitle = (list: ReadonlyArray<Notification>, title: string) => list.find((n) => n.title === title)!.id

describe("useNotifications", () => {
  it("loads the inbox, receives live notifications, and marks, deletes and marks all seen on the server", async () => {
    for (const title of ["one", "two", "three"]) await b.notify("ada", title)
    let api: UseNotificationsResult | undefined
    render(
      <PushBackProvider options={await b.options("ada")}>
        <Inbox onResult={(r) => (api = r)} />
      </PushBackProvider>
    )
    await waitFor(() => expect(titles()).toEqual(["three", "two", "one"]))
    await waitFor(() => expect(text("state")).toBe("connected"))
    expect(text("unseen")).toBe("3")
    expect(text("unread")).toBe("3")
    expect(text("more")).toBe("false")

    await b.notify("ada", "four")
    await waitFor(() => expect(titles()).toEqual(["four", "three", "two", "one"]))
    expect(text("unseen")).toBe("4")

    const ids = api!.notifications
    await act(() => api!.markRead([byTitle(ids, "four")]))
    await waitFor(() => expect(text("unread")).toBe("3"))
    expect(text("unseen")).toBe("3")
    expect(screen.getByText("four").dataset).toMatchObject({ read: "true", seen: "true" })

    await act(() => api!.markSeen([byTitle(ids, "three")]))
    await waitFor(() => expect(text("unseen")).toBe("2"))
    expect(text("unread")).toBe("3")

    await act(() => api!.remove([byTitle(ids, "one")]))
    await waitFor(() => expect(titles()).toEqual(["four", "three", "two"]))
    expect(text("unseen")).toBe("1")

    await act(() => api!.markAllSeen())
    await waitFor(() => expect(text("unseen")).toBe("0"))
    expect(text("unread")).toBe("2")

    const stored = await listOf(b, "ada")
    expect(stored.map((n) => n.title)).toEqual(["four", "three", "two"])
    expect(stored.every((n) => n.seenAt !== null)).toBe(true)
    expect(stored.filter((n) => n.readAt !== null).map((n) => n.title)).toEqual(["four"])
  })

  it("pages older notifications with loadMore until hasMore is false", async () => {
    for (const title of ["n1", "n2", "n3", "n4", "n5"]) await b.notify("bo", title)
    let api: UseNotificationsResult | undefined
    render(
      <PushBackProvider options={await b.options("bo", { pageSize: 2 })}>
        <Inbox onResult={(r) => (api = r)} />
      </PushBackProvider>
    )
    await waitFor(() => expect(titles()).toEqual(["n5", "n4"]))
    expect(text("more")).toBe("true")
    expect(text("unseen")).toBe("5")
    await act(() => api!.loadMore())
    expect(titles()).toEqual(["n5", "n4", "n3", "n2"])
    expect(text("more")).toBe("true")
    await act(() => api!.loadMore())
    expect(titles()).toEqual(["n5", "n4", "n3", "n2", "n1"])
    expect(text("more")).toBe("false")
  })

  it("returns the same object, actions included, until the store changes", async () => {
    const results: Array<UseNotificationsResult> = []
    const options = await b.options("cy")
    const tree = (
      <PushBackProvider options={options}>
        <Inbox onResult={(r) => results.push(r)} />
      </PushBackProvider>
    )
    const { rerender } = render(tree)
    await waitFor(() => expect(text("state")).toBe("connected"))
    const before = results.at(-1)!
    rerender(
      <PushBackProvider options={options}>
        <Inbox onResult={(r) => results.push(r)} />
      </PushBackProvider>
    )
    expect(results.at(-1)).toBe(before)
    await b.notify("cy", "news")
    await waitFor(() => expect(titles()).toEqual(["news"]))
    const after = results.at(-1)!
    expect(after).not.toBe(before)
    expect(after.markRead).toBe(before.markRead)
    expect(after.loadMore).toBe(before.loadMore)
  })
})

describe("useUnseenCount", () => {
  it("follows notifications and marks made in another session, re-rendering only when the count changes", async () => {
    await b.notify("dee", "first")
    let badgeRenders = 0
    render(
      <PushBackProvider options={await b.options("dee")}>
        <Badge onRender={() => badgeRenders++} />
        <Unread />
      </PushBackProvider>
    )
    await waitFor(() => expect(text("badge")).toBe("1"))
    await waitFor(() => expect(text("state")).toBe("connected"))
    await b.notify("dee", "second")
    await waitFor(() => expect(text("badge")).toBe("2"))

    // Another session of dee (its own token, over REST) marks everything seen.
    const other = await userToken(server, b.app, "dee")
    const all = await request(server.url, "PATCH", "/v1/me/notifications", {
      token: other,
      body: { all: true, seen: true }
    })
    expect(all.status).toBe(200)
    await waitFor(() => expect(text("badge")).toBe("0"))

    // A read of seen notifications changes `unread` but not `unseen`: the badge stays put.
    const rendered = badgeRenders
    const ids = (await listOf(b, "dee")).map((n) => n.id)
    await request(server.url, "PATCH", "/v1/me/notifications", { token: other, body: { ids, read: true } })
    await waitFor(() => expect(text("unread")).toBe("0"))
    expect(badgeRenders).toBe(rendered)
    expect(text("badge")).toBe("0")
  })
})

describe("useConnectionState", () => {
  it("goes from connecting to connected, and to closed when the app closes its client", async () => {
    const client = createClient(await b.options("eve"))
    const seen: Array<string> = []
    render(
      <PushBackProvider client={client}>
        <State onState={(state) => seen.push(state)} />
      </PushBackProvider>
    )
    await waitFor(() => expect(text("state")).toBe("connected"))
    act(() => client.close())
    expect(text("state")).toBe("closed")
    expect(seen).toEqual(["connecting", "connected", "closed"])
  })
})

describe("usePushBackEvent", () => {
  it("calls the latest listener for each new notification", async () => {
    const got: Array<string> = []
    const options = await b.options("fay")
    const { rerender } = render(
      <PushBackProvider options={options}>
        <Toasts onTitle={(title) => got.push(`a:${title}`)} />
      </PushBackProvider>
    )
    await waitFor(() => expect(text("state")).toBe("connected"))
    await b.notify("fay", "hello")
    await waitFor(() => expect(got).toEqual(["a:hello"]))
    rerender(
      <PushBackProvider options={options}>
        <Toasts onTitle={(title) => got.push(`b:${title}`)} />
      </PushBackProvider>
    )
    await b.notify("fay", "again")
    await waitFor(() => expect(got).toEqual(["a:hello", "b:again"]))
  })
})
