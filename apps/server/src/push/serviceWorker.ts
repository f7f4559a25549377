/**
 * The ready service worker the server serves at `/pushback-sw.js` (PROTOCOL.md §14): it shows
 * every push as a notification (iOS revokes push from a site that shows none), and on a click
 * focuses a window already on the message's `url` or opens it, and marks the notification read
 * with the message's `markToken` (`POST /v1/push/read`, a simple request, so no CORS preflight).
 * The server it reports to: `?server=` on the script's URL, else `self.PUSHBACK_SERVER` (set
 * before `importScripts` in a site's own worker), else the server that served it.
 */

/** The worker's source; `__SERVER__` is replaced by the serving server's address. */
const SOURCE = `/* PushBack service worker (PROTOCOL.md §14). */
const PUSHBACK_SERVER =
  new URL(self.location.href).searchParams.get("server") || self.PUSHBACK_SERVER || __SERVER__

self.addEventListener("install", () => self.skipWaiting())
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()))

self.addEventListener("push", (event) => {
  let message = {}
  if (event.data) {
    try {
      message = event.data.json()
    } catch {
      message = { body: event.data.text() }
    }
  }
  const options = {
    body: message.body || "",
    tag: message.tag || message.id,
    data: { id: message.id, url: message.url, markToken: message.markToken, data: message.data }
  }
  if (message.icon) options.icon = message.icon
  if (message.image) options.image = message.image
  event.waitUntil(self.registration.showNotification(message.title || "New notification", options))
})

const focusOrOpen = async (url) => {
  if (!url) return
  const target = new URL(url, self.location.origin).href
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true })
  for (const w of windows) if (w.url === target && "focus" in w) return w.focus()
  if (self.clients.openWindow) return self.clients.openWindow(target)
}

const markRead = async (markToken) => {
  if (!markToken) return
  try {
    await fetch(new URL("/v1/push/read", PUSHBACK_SERVER).href, {
      method: "POST",
      mode: "no-cors",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ markToken }),
      keepalive: true
    })
  } catch {}
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close()
  const data = event.notification.data || {}
  event.waitUntil(Promise.all([focusOrOpen(data.url), markRead(data.markToken)]))
})
`

/** The service worker as served by the server at `baseUrl`. */
export const serviceWorkerSource = (baseUrl: string): string =>
  SOURCE.replace("__SERVER__", JSON.stringify(baseUrl))
