/**
 * The chat page: the user's conversations on the left (each with its unread badge, the total in
 * the header), the open one on the right, and a form to start a conversation with someone.
 */
import type { MyConversation } from "@pushback/react"
import { useConnectionState, useConversations } from "@pushback/react"
import { type FormEvent, useState } from "react"
import { startConversation } from "./session.js"
import { Thread } from "./Thread.js"

/** A conversation's title, else the other members' names. */
export const titleOf = (c: MyConversation | undefined, me: string): string =>
  c === undefined
    ? ""
    : (c.title ??
      c.members
        .map((m) => m.user)
        .filter((u) => u !== me)
        .join(", "))

export function App({ user }: { user: string }) {
  const state = useConnectionState()
  const { conversations, unread, loaded } = useConversations()
  const [open, setOpen] = useState<string | undefined>(undefined)
  const [other, setOther] = useState("")
  const [error, setError] = useState<string | undefined>(undefined)

  const start = (event: FormEvent) => {
    event.preventDefault()
    const name = other.trim()
    if (name === "" || name === user) return
    startConversation(user, name).then(
      (id) => {
        setOther("")
        setError(undefined)
        setOpen(id)
      },
      (e: unknown) => setError(String(e))
    )
  }

  return (
    <div className="chat">
      <header>
        <h1>
          Chat{" "}
          <span className="badge total" data-testid="total-unread" hidden={unread === 0}>
            {unread}
          </span>
        </h1>
        <span className="me">
          signed in as <b data-testid="me">{user}</b>
        </span>
        <span className={`connection ${state}`} data-testid="connection">
          {state === "connected" ? "Live" : state}
        </span>
      </header>
      <aside>
        <form className="start" onSubmit={start}>
          <input
            aria-label="Chat with"
            placeholder="Chat with… (a user id)"
            value={other}
            onChange={(e) => setOther(e.target.value)}
          />
          <button type="submit">Start</button>
        </form>
        {error && <p className="error">{error}</p>}
        {loaded && conversations.length === 0 && <p className="empty">No conversations yet.</p>}
        <ul className="conversations">
          {conversations.map((c) => (
            <li key={c.id}>
              <button
                type="button"
                data-testid={`conversation-${c.id}`}
                className={c.id === open ? "open" : ""}
                onClick={() => setOpen(c.id)}
              >
                <span className="title">{titleOf(c, user)}</span>
                <span className="last">{c.lastMessage?.text ?? "No messages yet"}</span>
                {c.unread > 0 && (
                  <span className="badge" data-testid="unread">
                    {c.unread}
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <main>
        {open === undefined ? (
          <p className="empty">Pick a conversation, or start one.</p>
        ) : (
          <Thread key={open} id={open} user={user} />
        )}
      </main>
    </div>
  )
}
