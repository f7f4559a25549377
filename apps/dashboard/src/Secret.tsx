/**
 * A freshly made app secret, shown this once (after create or rotate) with a copy button and
 * the warning that it cannot be shown again.
 */
import { useState } from "react"

/** The one-time view of `secret` for the app `appName`; `onDone` hides it for good. */
export const SecretOnce = ({
  appName,
  secret,
  onDone
}: {
  appName: string
  secret: string
  onDone: () => void
}) => {
  const [copied, setCopied] = useState(false)
  return (
    <section className="secret" aria-labelledby="secret-title" role="status">
      <h2 id="secret-title">Secret of {appName}</h2>
      <p className="warning">
        Copy it now: this is the only time it is shown. Keep it on your backend only; it never belongs in a
        browser.
      </p>
      <label htmlFor="secret-value">App secret</label>
      <input id="secret-value" readOnly value={secret} onFocus={(e) => e.target.select()} />
      <div className="row">
        <button
          type="button"
          onClick={async () => {
            await navigator.clipboard?.writeText(secret).catch(() => undefined)
            setCopied(true)
          }}
        >
          Copy
        </button>
        <button type="button" className="quiet" onClick={onDone}>
          I have stored it
        </button>
        <span aria-live="polite">{copied ? "Copied" : ""}</span>
      </div>
    </section>
  )
}
