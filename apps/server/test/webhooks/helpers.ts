/**
 * Helpers of the webhook tests: a server config with a quick, shortened retry schedule and
 * private targets allowed (the receiver is on loopback), endpoint creation that registers the
 * secret with the receiver, and an endpoint's attempts log.
 */
import type { TestApp } from "@pushback/testkit"
import type { Receiver } from "./receiver.js"

/** Retries after 0.3 s, 0.3 s, 0.6 s, 1 s (±20 %); disabled after 1 s of only failures; a 2 s timeout. */
export const QUICK_WEBHOOKS = {
  allowPrivate: true,
  retrySeconds: [0.3, 0.3, 0.6, 1],
  disableAfterSeconds: 1,
  timeoutMs: 2000,
  pollMs: 200,
  leaseSeconds: 10,
  presenceDebounceMs: 400
}

/** Anything that sends requests to a server (a useServer handle). */
export interface Api {
  readonly request: <T = unknown>(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown }
  ) => Promise<{ status: number; body: T; text: string }>
}

/** An endpoint as created. */
export interface Hook {
  readonly id: string
  readonly secret: string
  readonly path: string
}

/** Creates an endpoint of `app` at the receiver's `path`, and registers its secret there. */
export const createHook = async (
  api: Api,
  app: TestApp,
  receiver: Receiver,
  path: string,
  body: Record<string, unknown> = {}
): Promise<Hook> => {
  const res = await api.request<{ id: string; secret: string }>("POST", "/v1/webhooks", {
    token: app.secret,
    body: { url: `${receiver.url}${path}`, events: ["*"], ...body }
  })
  if (res.status !== 201) throw new Error(`creating a webhook failed: ${res.status} ${res.text}`)
  receiver.secrets.set(path, [res.body.secret])
  return { id: res.body.id, secret: res.body.secret, path }
}

/** An attempt as the API lists it. */
export interface Attempt {
  readonly eventId: string
  readonly type: string
  readonly at: string
  readonly status: number | null
  readonly ms: number
  readonly error?: string
  readonly next?: string
}

/** An endpoint's attempts, newest first. */
export const attemptsOf = async (api: Api, app: TestApp, hook: Hook): Promise<Array<Attempt>> => {
  const res = await api.request<{ attempts: Array<Attempt> }>("GET", `/v1/webhooks/${hook.id}/attempts`, {
    token: app.secret
  })
  return res.body.attempts
}

/** Sends a `webhook.test` event to `hook`; answers its event id. */
export const sendTest = async (api: Api, app: TestApp, hook: Hook): Promise<string> => {
  const res = await api.request<{ id: string }>("POST", `/v1/webhooks/${hook.id}/test`, { token: app.secret })
  if (res.status !== 202) throw new Error(`test failed: ${res.status} ${res.text}`)
  return res.body.id
}

/** An endpoint as read. */
export const readHook = async (api: Api, app: TestApp, hook: Hook) =>
  (
    await api.request<{
      enabled: boolean
      disabledReason: string | null
      failingSince: string | null
      lastStatus: number | null
    }>("GET", `/v1/webhooks/${hook.id}`, { token: app.secret })
  ).body
