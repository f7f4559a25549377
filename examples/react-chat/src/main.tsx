/**
 * Entry point: fetch the session once (for the server URL and the first token), then render
 * the chat inside a PushBackProvider that owns its client and renews its token through the
 * backend. The chat runs on that client's connection (one per browser and user, shared by tabs).
 */
import type { PushBackOptions } from "@pushback/react"
import { PushBackProvider } from "@pushback/react"
import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { App } from "./App.js"
import { currentUser, fetchSession } from "./session.js"
import "./styles.css"

const root = createRoot(document.getElementById("root")!)
const user = currentUser()

fetchSession(user).then(
  (session) => {
    const options: PushBackOptions = {
      url: session.url,
      token: session.token,
      getToken: () => fetchSession(user).then((s) => s.token)
    }
    root.render(
      <StrictMode>
        <PushBackProvider options={options}>
          <App user={session.user} />
        </PushBackProvider>
      </StrictMode>
    )
  },
  (error: unknown) => {
    root.render(<p className="fatal">Could not reach the backend: {String(error)}</p>)
  }
)
