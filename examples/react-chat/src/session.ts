/**
 * The page's side of the backend contract (see dev/backend.ts): who the user is, where PushBack
 * is, a user token — fetched again whenever PushBack refuses the current one — and starting a
 * conversation with someone.
 */

/** What `GET /api/session` answers. */
export interface Session {
  readonly url: string
  readonly user: string
  readonly token: string
}

/** The user in `?user=` (default ana): open `?user=ana` and `?user=bo` in two windows. */
export const currentUser = (): string => new URLSearchParams(location.search).get("user") || "ana"

/** A fresh session for `user` from the backend. */
export const fetchSession = async (user: string): Promise<Session> => {
  const res = await fetch(`/api/session?user=${encodeURIComponent(user)}`)
  if (!res.ok) throw new Error(`GET /api/session: HTTP ${res.status}`)
  return (await res.json()) as Session
}

/** Asks the backend for the conversation of `user` and `other`; resolves with its id. */
export const startConversation = async (user: string, other: string): Promise<string> => {
  const res = await fetch(`/api/conversations?user=${encodeURIComponent(user)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ with: other })
  })
  if (!res.ok) throw new Error(`POST /api/conversations: HTTP ${res.status}`)
  return ((await res.json()) as { id: string }).id
}
