/**
 * The endpoint rules of PROTOCOL.md §14 (push/endpoint.ts), in process: https on a known push
 * service host (or the configured list), never a private, loopback or link-local address unless
 * `push.allowPrivate`. The server's answer to a refused endpoint is in subscriptions.test.ts;
 * here, the cases a loopback test server cannot be asked about without allowing them.
 */
import { describe, expect, it } from "vitest"
import { DEFAULT_PUSH_HOSTS, DefaultPushTuning } from "../../src/config/pushSettings.js"
import { endpointProblem } from "../../src/push/endpoint.js"

const defaults = {
  vapidSubject: undefined,
  publicKey: undefined,
  privateKey: undefined,
  allowedHosts: DEFAULT_PUSH_HOSTS,
  allowPrivate: false,
  tuning: DefaultPushTuning
}

describe("push endpoints", () => {
  it("accept the browsers' push services", () => {
    for (const url of [
      "https://fcm.googleapis.com/fcm/send/abc:def",
      "https://updates.push.services.mozilla.com/wpush/v2/gAAA",
      "https://wns2-par02p.notify.windows.com/w/?token=x",
      "https://web.push.apple.com/QGx",
      "https://android.googleapis.com/gcm/send/x"
    ])
      expect(endpointProblem(url, defaults), url).toBeUndefined()
  })

  it("refuse other hosts, plain http, look-alikes and credentials", () => {
    for (const url of [
      "http://fcm.googleapis.com/fcm/send/x",
      "https://googleapis.com.evil.example/x",
      "https://evilgoogleapis.com/x",
      "https://example.com/push",
      "https://user:pw@fcm.googleapis.com/x",
      "ftp://fcm.googleapis.com/x"
    ])
      expect(endpointProblem(url, defaults), url).toBeDefined()
  })

  it("refuse private, loopback and link-local addresses unless allowPrivate, even when listed", () => {
    const listed = {
      ...defaults,
      allowedHosts: [
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",
        "[::1]",
        "::1",
        "fe80::1",
        "localhost",
        "localhost.",
        "192.168.1.1",
        "::ffff:7f00:1"
      ]
    }
    for (const url of [
      "https://127.0.0.1/x",
      "https://10.1.2.3/x",
      "https://169.254.169.254/latest",
      "https://[::1]/x",
      "https://[fe80::1]/x",
      "https://localhost/x",
      "https://localhost./x",
      "https://192.168.1.1/x",
      "https://[::ffff:127.0.0.1]/x"
    ]) {
      expect(endpointProblem(url, listed), url).toMatch(/private, loopback or link-local/)
      expect(endpointProblem(url, { ...listed, allowPrivate: true }), url).toBeUndefined()
    }
  })
})
