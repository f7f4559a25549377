/**
 * A free TCP port on loopback, for every real server a test starts (PostgreSQL, Redis,
 * nginx). Another process can take it between the probe and the bind: callers that can, retry.
 */
import { createServer } from "node:net"

/** A port free on 127.0.0.1 at the time of asking. */
export const freePort = () =>
  new Promise<number>((done, fail) => {
    const probe = createServer()
    probe.once("error", fail)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => done(port))
    })
  })
