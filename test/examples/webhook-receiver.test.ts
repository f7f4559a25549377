/**
 * The express-backend example's webhook receiver (POST /webhooks/pushback) against a real
 * PushBack server: an endpoint pointed at it gets `webhook.test`, verified by the example with
 * `verifyWebhook`; a request with a wrong signature is answered 400.
 */
import { spawn } from "node:child_process"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { eventually, request, useServer } from "@pushback/testkit"
import { expect, it } from "vitest"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const server = useServer({ config: { webhooks: { allowPrivate: true, pollMs: 200 } } })

it("verifies and logs the events PushBack sends it; refuses a forged one", async () => {
  const app = await server.newApp()
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PUSHBACK_")))
  // The endpoint first (its secret configures the example), at a port the example takes next.
  const probe = await request(server.url, "POST", "/v1/webhooks", {
    token: app.secret,
    body: { url: "http://127.0.0.1:9/webhooks/pushback", events: ["webhook.test"] }
  })
  const hook = probe.body as { id: string; secret: string }
  const child = spawn(process.execPath, [join(root, "examples/express-backend/src/server.js")], {
    cwd: root,
    env: {
      ...env,
      PORT: "0",
      PUSHBACK_URL: server.url,
      PUSHBACK_SECRET: app.secret,
      PUSHBACK_WEBHOOK_SECRET: hook.secret
    },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.on("data", (c: Buffer) => (output += c.toString()))
  child.stderr.on("data", (c: Buffer) => (output += c.toString()))
  try {
    await eventually(() => /example backend on http:\/\/\S+:(\d+)/.test(output), {
      timeout: 15_000,
      what: output
    })
    const port = /example backend on http:\/\/\S+:(\d+)/.exec(output)![1]
    const target = `http://127.0.0.1:${port}/webhooks/pushback`
    await request(server.url, "PATCH", `/v1/webhooks/${hook.id}`, {
      token: app.secret,
      body: { url: target }
    })
    await request(server.url, "POST", `/v1/webhooks/${hook.id}/test`, { token: app.secret })
    await eventually(() => output.includes("webhook webhook.test:"), { timeout: 10_000, what: output })
    expect(output).toContain(`"app":"${app.id}"`)
    const forged = await fetch(target, {
      method: "POST",
      headers: {
        "webhook-id": "evt_x",
        "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
        "webhook-signature": "v1,AAAA"
      },
      body: "{}"
    })
    expect(forged.status).toBe(400)
  } finally {
    child.kill()
  }
})
