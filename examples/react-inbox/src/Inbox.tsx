/**
 * The dropdown inbox: `useNotifications` gives the loaded notifications and the actions —
 * mark read (click an item), mark all seen, delete, load more.
 */
import { type Notification, useNotifications } from "@pushback/react"
import { useState } from "react"

/** A notification's content as text: a string, `{text}`, or its JSON. */
const textOf = (content: unknown): string => {
  if (typeof content === "string") return content
  if (typeof content === "object" && content !== null && "text" in content) return String(content.text)
  return JSON.stringify(content)
}

const ago = (iso: string): string => {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000))
  if (s < 60) return "just now"
  if (s < 3600) return `${Math.floor(s / 60)} min ago`
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`
  return new Date(iso).toLocaleDateString()
}

export function Inbox() {
  const { notifications, unseen, unread, hasMore, markRead, markAllSeen, remove, loadMore } =
    useNotifications()
  const [loading, setLoading] = useState(false)

  const more = () => {
    setLoading(true)
    loadMore().finally(() => setLoading(false))
  }

  return (
    <section className="inbox" aria-label="Inbox">
      <header className="inbox-head">
        <h2>Notifications</h2>
        <span className="counts" data-testid="counts">
          {unread} unread
        </span>
        <button type="button" className="link" disabled={unseen === 0} onClick={() => void markAllSeen()}>
          Mark all seen
        </button>
      </header>
      {notifications.length === 0 ? (
        <p className="empty">You are all caught up.</p>
      ) : (
        <ul className="items">
          {notifications.map((n) => (
            <Item
              key={n.id}
              notification={n}
              onRead={() => void markRead([n.id])}
              onDelete={() => void remove([n.id])}
            />
          ))}
        </ul>
      )}
      {hasMore && (
        <button type="button" className="more" disabled={loading} onClick={more}>
          {loading ? "Loading…" : "Load more"}
        </button>
      )}
    </section>
  )
}

function Item({
  notification: n,
  onRead,
  onDelete
}: {
  notification: Notification
  onRead: () => void
  onDelete: () => void
}) {
  const unread = n.readAt === null
  return (
    <li className={unread ? "item unread" : "item"} data-id={n.id} data-unread={unread}>
      <button type="button" className="item-body" onClick={onRead} title={unread ? "Mark read" : undefined}>
        <span className={n.seenAt === null ? "dot unseen" : unread ? "dot" : "dot read"} aria-hidden="true" />
        <span className="item-text">
          <strong>{n.title ?? "Notification"}</strong>
          <span>{textOf(n.content)}</span>
          <time dateTime={n.createdAt}>{ago(n.createdAt)}</time>
        </span>
      </button>
      <span className="item-actions">
        {unread && (
          <button type="button" className="icon" aria-label="Mark read" title="Mark read" onClick={onRead}>
            ✓
          </button>
        )}
        <button type="button" className="icon" aria-label="Delete" title="Delete" onClick={onDelete}>
          ✕
        </button>
      </span>
    </li>
  )
}
