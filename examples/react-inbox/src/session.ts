/**
 * The page's side of the backend contract (see dev/backend.ts): who the user is, where
 * PushBack is, and a user token — fetched again whenever PushBack refuses the current one.
 */

/** What `GET /api/session` answers. */
export interface Session {
  readonly url: string
  readonly user: string
  readonly token: string
}

/** The user in `?user=` (default alice): open two users side by side with two tabs. */
export const currentUser = (): string => new URLSearchParams(location.search).get("user") || "alice"

/** A fresh session for `user` from the backend. */
export const fetchSession = async (user: string): Promise<Session> => {
  const res = await fetch(`/api/session?user=${encodeURIComponent(user)}`)
  if (!res.ok) throw new Error(`GET /api/session: HTTP ${res.status}`)
  return (await res.json()) as Session
}

/** Asks the backend to notify `user` (the demo button). */
export const sendTestNotification = async (user: string, title: string, content: string): Promise<void> => {
  const res = await fetch("/api/notify", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ user, title, content })
  })
  if (!res.ok) throw new Error(`POST /api/notify: HTTP ${res.status}`)
}
