/**
 * `@pushback/browser/push`: Web Push for one user on this device (PROTOCOL.md §14), a separate
 * entry point so the core bundle keeps its budget. `state()` says where the device stands,
 * `subscribe()` asks the permission, registers the service worker (the server's ready one,
 * `/pushback-sw.js`, unless you give yours), subscribes with the server's VAPID key and hands
 * the subscription to the server; `unsubscribe()` undoes both. It uses only the documented API.
 */

/** Where this device stands: no Web Push here, not asked yet, refused, or subscribed. */
export type PushState = "unsupported" | "default" | "denied" | "subscribed"

/** Options of `createPush`. One of `token` and `getToken` is required. */
export interface PushOptions {
  /** The server's base URL, e.g. `https://push.example.com`. */
  readonly url: string
  /** A user token (minted by your backend). */
  readonly token?: string | undefined
  /** Fetches a fresh user token (called for each request to the server). */
  readonly getToken?: (() => Promise<string>) | undefined
}

/** Options of `subscribe()`. */
export interface SubscribeOptions {
  /**
   * The service worker: a registration you made, or the URL of a script on this page's origin.
   * Default: `/pushback-sw.js` on this origin (the server's worker, when the server is served
   * here; else host a file with `importScripts("<server>/pushback-sw.js")`), told the server's URL.
   */
  readonly serviceWorker?: ServiceWorkerRegistration | string | undefined
}

/** Web Push for one user on this device. */
export interface PushControl {
  state(): Promise<PushState>
  /** Subscribes this device; resolves with the state it ends in (`denied` when refused). */
  subscribe(options?: SubscribeOptions): Promise<PushState>
  /** Unsubscribes this device, here and on the server. */
  unsubscribe(): Promise<void>
}

const supported = (): boolean =>
  typeof navigator !== "undefined" &&
  "serviceWorker" in navigator &&
  typeof PushManager !== "undefined" &&
  typeof Notification !== "undefined"

/** The bytes of base64url text (a VAPID public key). */
const bytesOf = (text: string): Uint8Array<ArrayBuffer> => {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4)
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
}

const sameBytes = (a: ArrayBuffer | null | undefined, b: Uint8Array): boolean => {
  if (a === null || a === undefined || a.byteLength !== b.length) return false
  const x = new Uint8Array(a)
  return x.every((v, i) => v === b[i])
}

/** A registration once its worker is activated (Firefox leaves a subscribe made earlier pending). */
const activated = (reg: ServiceWorkerRegistration): Promise<ServiceWorkerRegistration> =>
  new Promise((resolve) => {
    const check = () => {
      if (reg.active?.state === "activated") resolve(reg)
    }
    for (const worker of [reg.installing, reg.waiting, reg.active])
      worker?.addEventListener("statechange", check)
    check()
  })

/** Web Push for the user the token names, through the server at `options.url`. */
export const createPush = (options: PushOptions): PushControl => {
  const base = options.url.replace(/\/+$/, "")
  const token = () =>
    options.getToken !== undefined ? options.getToken() : Promise.resolve(options.token ?? "")

  const call = async (method: string, path: string, body?: unknown): Promise<Response> => {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${await token()}`,
        ...(body === undefined ? {} : { "content-type": "application/json" })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    if (!res.ok && res.status !== 404)
      throw new Error(`PushBack ${method} ${path}: ${res.status} ${await res.text()}`)
    return res
  }

  const registration = async (): Promise<ServiceWorkerRegistration | undefined> =>
    (await navigator.serviceWorker.getRegistrations()).find((r) => r.active !== null || r.installing !== null)

  const current = async (): Promise<PushSubscription | null> => {
    const reg = await registration()
    return reg === undefined ? null : reg.pushManager.getSubscription()
  }

  const state = async (): Promise<PushState> => {
    if (!supported()) return "unsupported"
    if (Notification.permission === "denied") return "denied"
    if (Notification.permission === "granted" && (await current()) !== null) return "subscribed"
    return "default"
  }

  const subscribe = async (given: SubscribeOptions = {}): Promise<PushState> => {
    if (!supported()) return "unsupported"
    if ((await Notification.requestPermission()) !== "granted") return state()
    const sw = given.serviceWorker
    const reg = await activated(
      typeof sw === "object"
        ? sw
        : await navigator.serviceWorker.register(sw ?? `/pushback-sw.js?server=${encodeURIComponent(base)}`)
    )
    const keyRes = await fetch(`${base}/v1/push/key`)
    const key = bytesOf(((await keyRes.json()) as { publicKey: string }).publicKey)
    let sub = await reg.pushManager.getSubscription()
    // A subscription made with another key (the server's keys changed) cannot be reused.
    if (sub !== null && !sameBytes(sub.options.applicationServerKey, key)) {
      await sub.unsubscribe()
      sub = null
    }
    sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key })
    await call("POST", "/v1/me/push-subscriptions", { ...sub.toJSON(), userAgent: navigator.userAgent })
    return "subscribed"
  }

  const unsubscribe = async (): Promise<void> => {
    if (!supported()) return
    const sub = await current()
    if (sub === null) return
    const res = await call("GET", "/v1/me/push-subscriptions")
    const { subscriptions } = (await res.json()) as { subscriptions: Array<{ id: string; endpoint: string }> }
    for (const s of subscriptions.filter((x) => x.endpoint === sub.endpoint))
      await call("DELETE", `/v1/me/push-subscriptions/${encodeURIComponent(s.id)}`)
    await sub.unsubscribe()
  }

  return { state, subscribe, unsubscribe }
}
