// The webhook receiver of bench/peers/webhooks.mjs: what a customer's backend does with PushBack's
// webhooks, at its cheapest — read the body, answer 204. It counts the events it got (a batch
// counts each of its events) and checks the Standard Webhooks signature of every 100th request
// (HMAC-SHA256 of "id.timestamp.body" with the endpoint's secret, given on stdin once known), so
// a bench of unsigned or malformed requests fails instead of looking fast. `GET /count` answers
// {events, requests, checked, bad}. Listens on 127.0.0.1 only; exits when its stdin closes.
import { createHmac, timingSafeEqual } from "node:crypto"
import { createServer } from "node:http"

let secret
let events = 0
let requests = 0
let checked = 0
let bad = 0

const verify = (headers, body) => {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64")
  const signed = `${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`
  const want = createHmac("sha256", key).update(signed).digest()
  return String(headers["webhook-signature"] ?? "")
    .split(" ")
    .some((s) => {
      const got = Buffer.from(s.replace(/^v1,/, ""), "base64")
      return got.length === want.length && timingSafeEqual(got, want)
    })
}

const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/count") {
    res.writeHead(200, { "content-type": "application/json" })
    res.end(JSON.stringify({ events, requests, checked, bad }))
    return
  }
  const chunks = []
  req.on("data", (c) => chunks.push(c))
  req.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8")
    requests++
    try {
      const event = JSON.parse(body)
      events += event.type === "batch" ? event.data.events.length : 1
    } catch {
      bad++
    }
    if (secret !== undefined && requests % 100 === 1) {
      checked++
      if (!verify(req.headers, body)) bad++
    }
    res.writeHead(204).end()
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`))
process.stdin.on("data", (d) => {
  secret = d.toString("utf8").trim()
})
process.stdin.on("end", () => process.exit(0))
