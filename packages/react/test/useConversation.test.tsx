/**
 * `useConversations` and `useConversation` against a real PushBack server: Ana's page renders her
 * conversation list and one conversation through the hooks while Bo, another user with a client
 * of his own, writes to her — his message, his typing and the unread count reach her page live,
 * her read mark reaches him as a read receipt, and her own message shows at once and then as stored.
 */
import { createClient, type PushBackClient } from "@pushback/browser"
import { createChat } from "@pushback/browser/chat"
import { request, startServer, type TestServer } from "@pushback/testkit"
import { act, cleanup, render, screen, waitFor } from "@testing-library/react"
import { afterAll, afterEach, beforeAll, expect, it } from "vitest"
import { PushBackProvider, useConversation, useConversations } from "../src/index.js"
import { type Backend, backend } from "./support.js"

let server: TestServer
let b: Backend
const clients: Array<PushBackClient> = []

beforeAll(async () => {
  server = await startServer()
  b = await backend(server, "react-chat")
})
afterAll(async () => {
  await server?.dispose()
})
afterEach(() => {
  cleanup()
  for (const c of clients.splice(0)) c.close()
})

/** Ana's page: her list (with the unread badge) and the open conversation. */
function Page({ id }: { id: string }) {
  const { conversations, unread, loaded } = useConversations()
  const talk = useConversation(id)
  return (
    <div>
      <p data-testid="loaded">{String(loaded && talk.loaded)}</p>
      <p data-testid="badge">{unread}</p>
      <ul>
        {conversations.map((c) => (
          <li key={c.id} data-testid={`row-${c.id}`}>
            {c.title} {c.unread} {c.lastMessage?.text}
          </li>
        ))}
      </ul>
      <ol>
        {talk.messages.map((m) => (
          <li key={m.key} data-testid="message" data-status={m.status}>
            {m.author}: {m.text}
          </li>
        ))}
      </ol>
      <p data-testid="typing">{talk.typingUsers.join(",")}</p>
      <button type="button" onClick={() => talk.markRead()}>
        read
      </button>
      <button type="button" onClick={() => talk.send("Hi Bo")}>
        send
      </button>
    </div>
  )
}

it("a conversation live through the hooks: messages, unread, typing, read receipts, own sends", async () => {
  const ana = await b.options("ana")
  const boOptions = await b.options("bo")
  const created = await request<{ id: string }>(server.url, "POST", "/v1/conversations", {
    token: b.app.secret,
    body: { id: "c1", members: ["ana", "bo"], title: "Lunch" }
  })
  expect(created.status).toBe(201)

  render(
    <PushBackProvider options={ana}>
      <Page id="c1" />
    </PushBackProvider>
  )
  await waitFor(() => expect(screen.getByTestId("loaded").textContent).toBe("true"))
  expect(screen.getByTestId("row-c1").textContent).toBe("Lunch 0 ")

  const bo = createClient(boOptions)
  clients.push(bo)
  const boTalk = createChat(bo).conversation("c1")
  await waitFor(() => expect(boTalk.getSnapshot().loaded).toBe(true))
  await waitFor(() => expect(bo.state).toBe("connected"))

  const sent = await boTalk.send("Noon?")
  await waitFor(() =>
    expect(screen.getAllByTestId("message").map((li) => li.textContent)).toEqual(["bo: Noon?"])
  )
  expect(screen.getByTestId("badge").textContent).toBe("1")
  expect(screen.getByTestId("row-c1").textContent).toBe("Lunch 1 Noon?")

  expect(boTalk.typing()).toBe(true)
  await waitFor(() => expect(screen.getByTestId("typing").textContent).toBe("bo"))

  expect(boTalk.readBy(sent.seq)).toEqual([])
  await act(async () => screen.getByText("read").click())
  await waitFor(() => expect(screen.getByTestId("badge").textContent).toBe("0"))
  await waitFor(() => expect(boTalk.readBy(sent.seq)).toEqual(["ana"]))

  await act(async () => screen.getByText("send").click())
  await waitFor(() =>
    expect(screen.getAllByTestId("message").map((li) => [li.textContent, li.dataset["status"]])).toEqual([
      ["bo: Noon?", "sent"],
      ["ana: Hi Bo", "sent"]
    ])
  )
  // Her own message is no unread of hers; it is one of Bo's.
  expect(screen.getByTestId("badge").textContent).toBe("0")
  await waitFor(() => expect(boTalk.getSnapshot().messages.map((m) => m.text)).toEqual(["Noon?", "Hi Bo"]))
})
