/**
 * The page: a header with the connection state and the bell, a switch that enables Web Push
 * notifications on this device (they arrive when every tab is closed), and a demo panel that
 * asks the backend to send this user a notification.
 */
import { type PushOptions, useConnectionState, usePush } from "@pushback/react"
import { type FormEvent, useState } from "react"
import { Bell } from "./Bell.js"
import { sendTestNotification } from "./session.js"

const LABELS = {
  connecting: "Connecting…",
  connected: "Live",
  reconnecting: "Reconnecting…",
  disconnected: "Offline",
  closed: "Closed"
} as const

export function App({ user, push }: { user: string; push: PushOptions }) {
  return (
    <>
      <header className="topbar">
        <span className="brand">Acme</span>
        <span className="spacer" />
        <ConnectionBadge />
        <span className="user" title="Change with ?user=name">
          {user}
        </span>
        <Bell />
      </header>
      <main className="page">
        <h1>React inbox</h1>
        <p>
          The bell shows how many notifications <b>{user}</b> has not seen yet; it opens the inbox. Everything
          here is live from the PushBack server: open this page in a second tab and mark something read.
        </p>
        <PushSwitch options={push} />
        <Composer user={user} />
      </main>
    </>
  )
}

function ConnectionBadge() {
  const state = useConnectionState()
  return (
    <span className={`connection connection-${state}`} data-testid="connection">
      {LABELS[state]}
    </span>
  )
}

/** "Enable notifications on this device": Web Push, for when no tab is open. */
function PushSwitch({ options }: { options: PushOptions }) {
  const { state, busy, error, subscribe, unsubscribe } = usePush(options)
  if (state === undefined || state === "unsupported") {
    return <p className="push-note">This browser cannot show notifications when the page is closed.</p>
  }
  return (
    <label className="push-switch">
      <input
        type="checkbox"
        role="switch"
        aria-checked={state === "subscribed"}
        checked={state === "subscribed"}
        disabled={busy || state === "denied"}
        onChange={() => (state === "subscribed" ? unsubscribe() : subscribe())}
      />
      Enable notifications on this device
      {state === "denied" && <small> (blocked in the browser's site settings)</small>}
      {error !== undefined && <small role="alert"> {error.message}</small>}
    </label>
  )
}

let sent = 0

function Composer({ user }: { user: string }) {
  const [title, setTitle] = useState("Build finished")
  const [status, setStatus] = useState("")
  const submit = (event: FormEvent) => {
    event.preventDefault()
    sent++
    sendTestNotification(
      user,
      title,
      `Test notification #${sent}, sent at ${new Date().toLocaleTimeString()}`
    ).then(
      () => setStatus("Sent."),
      (error: unknown) => setStatus(String(error))
    )
  }
  return (
    <form className="composer" onSubmit={submit}>
      <label>
        Send {user} a notification
        <input value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <button type="submit">Send</button>
      <output>{status}</output>
    </form>
  )
}
