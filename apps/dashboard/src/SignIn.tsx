/**
 * Sign-in with the admin token: checked against the API (`GET /v1/apps`) before it is kept,
 * so a wrong token is refused here with the server's reason.
 */
import { type FormEvent, useState } from "react"
import { ApiError, api } from "./api.js"

/** The sign-in form; calls `onSignedIn` with a token the server accepted. */
export const SignIn = ({ onSignedIn }: { onSignedIn: (token: string) => void }) => {
  const [token, setToken] = useState("")
  const [error, setError] = useState<string | undefined>(undefined)
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      await api("GET", "/v1/apps", undefined, token.trim())
      onSignedIn(token.trim())
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 401
          ? `That admin token was refused: ${err.message}`
          : `Could not sign in: ${(err as Error).message}`
      )
    } finally {
      setBusy(false)
    }
  }
  return (
    <main className="signin">
      <h1>PushBack dashboard</h1>
      <form onSubmit={submit} aria-describedby="signin-help">
        <label htmlFor="token">Admin token</label>
        <input
          id="token"
          type="password"
          autoComplete="off"
          required
          value={token}
          onChange={(e) => setToken(e.target.value)}
        />
        <p id="signin-help" className="hint">
          Kept in this tab only (sessionStorage), until you sign out or close it.
        </p>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        {error !== undefined && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  )
}
