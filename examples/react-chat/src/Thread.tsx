/**
 * One open conversation: its messages (older ones on demand, yours shown at once while they are
 * sent), "typing…" while someone else types, "Seen by …" under your latest message, and the
 * composer, which signals typing on each keystroke (the SDK sends at most one signal per 2 s).
 * What is shown is marked read while the page is visible.
 */
import { useConversation } from "@pushback/react"
import { type FormEvent, useEffect, useState } from "react"
import { titleOf } from "./App.js"

/** Whether the page is visible (a hidden tab reads nothing). */
const useVisible = (): boolean => {
  const [visible, setVisible] = useState(() => document.visibilityState === "visible")
  useEffect(() => {
    const check = () => setVisible(document.visibilityState === "visible")
    document.addEventListener("visibilitychange", check)
    return () => document.removeEventListener("visibilitychange", check)
  }, [])
  return visible
}

export function Thread({ id, user }: { id: string; user: string }) {
  const talk = useConversation(id)
  const { conversation, messages, typingUsers, markRead } = talk
  const [text, setText] = useState("")
  const visible = useVisible()
  const unread = conversation?.unread ?? 0

  // Unread messages on screen: read them (the others see "Seen"; the badge clears at once).
  useEffect(() => {
    if (unread > 0 && visible) markRead().catch(() => {})
  }, [unread, visible, markRead])

  const send = (event: FormEvent) => {
    event.preventDefault()
    const body = text.trim()
    if (body === "") return
    setText("")
    talk.send(body).catch(() => {}) // a refused message stays on screen, marked failed, with Retry
  }

  const lastMine = messages.findLast((m) => m.author === user && m.status === "sent")
  const seenBy = lastMine === undefined ? [] : talk.readBy(lastMine.seq)

  return (
    <section className="thread">
      <h2>{titleOf(conversation, user)}</h2>
      {talk.hasMore && (
        <button type="button" className="older" onClick={() => talk.loadMore()}>
          Older messages
        </button>
      )}
      <ol className="messages">
        {messages.map((m) => (
          <li
            key={m.key}
            data-testid="message"
            data-status={m.status}
            className={m.author === null ? "system" : m.author === user ? "mine" : "theirs"}
          >
            {m.author !== null && m.author !== user && <span className="author">{m.author}</span>}
            <span className="text">{m.text}</span>
            {m.status === "sending" && <small>sending…</small>}
            {m.status === "failed" && (
              <button type="button" onClick={() => talk.retry(m.key).catch(() => {})}>
                Not sent — retry
              </button>
            )}
          </li>
        ))}
      </ol>
      <p className="receipt" data-testid="receipt">
        {lastMine === undefined ? "" : seenBy.length > 0 ? `Seen by ${seenBy.join(", ")}` : "Sent"}
      </p>
      <p className="typing" data-testid="typing">
        {typingUsers.length > 0
          ? `${typingUsers.join(", ")} ${typingUsers.length === 1 ? "is" : "are"} typing…`
          : ""}
      </p>
      <form className="composer" onSubmit={send}>
        <input
          data-testid="composer"
          aria-label="Message"
          placeholder="Message"
          value={text}
          onChange={(e) => {
            setText(e.target.value)
            talk.typing()
          }}
        />
        <button type="submit">Send</button>
      </form>
    </section>
  )
}
