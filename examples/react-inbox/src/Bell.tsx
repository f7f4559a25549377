/**
 * The bell: an unseen badge from `useUnseenCount` (it re-renders only when the count
 * changes) and the dropdown inbox it opens.
 */
import { useUnseenCount } from "@pushback/react"
import { useEffect, useRef, useState } from "react"
import { Inbox } from "./Inbox.js"

export function Bell() {
  const unseen = useUnseenCount()
  const [open, setOpen] = useState(false)
  const ref = useRef<HTMLDivElement>(null)

  useEffect(() => {
    if (!open) return
    const onPointer = (event: PointerEvent) => {
      if (!ref.current?.contains(event.target as Node)) setOpen(false)
    }
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setOpen(false)
    }
    document.addEventListener("pointerdown", onPointer)
    document.addEventListener("keydown", onKey)
    return () => {
      document.removeEventListener("pointerdown", onPointer)
      document.removeEventListener("keydown", onKey)
    }
  }, [open])

  return (
    <div className="bell" ref={ref}>
      <button
        type="button"
        className="bell-button"
        aria-label={unseen > 0 ? `Notifications, ${unseen} unseen` : "Notifications"}
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
      >
        <svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true">
          <path
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
            fill="currentColor"
          />
        </svg>
        {unseen > 0 && (
          <span className="badge" data-testid="badge">
            {unseen > 99 ? "99+" : unseen}
          </span>
        )}
      </button>
      {open && <Inbox />}
    </div>
  )
}
