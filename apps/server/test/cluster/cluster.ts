/**
 * A client that follows one user through a cluster's load balancer as the SDKs do:
 * reconnecting with its cursor whenever its socket closes. The cluster itself is the
 * testkit's `useCluster`.
 */
import { type ClusterEndpoint, connectWs, isEntry, type ServerFrame } from "@pushback/testkit"

/** A user followed through reconnects: every entry seq received, in order of arrival. */
export interface Follower {
  readonly seqs: Array<number>
  /** Sockets opened so far (1 + reconnects). */
  readonly connections: () => number
  readonly stop: () => Promise<void>
}

/**
 * Follows a user over WebSocket at `endpoint`, reconnecting with the last seq as cursor after
 * every close (as the SDKs do), until stopped. `token` is fetched again for each connection.
 */
export const follow = (endpoint: ClusterEndpoint, token: () => Promise<string>): Promise<Follower> =>
  new Promise((ready, fail) => {
    const seqs: Array<number> = []
    let stopped = false
    let opened = 0
    let current: Awaited<ReturnType<typeof connectWs>> | undefined
    const open = async (first: boolean): Promise<void> => {
      while (!stopped) {
        try {
          const cursor = seqs.length === 0 ? 0 : seqs[seqs.length - 1]!
          const ws = await connectWs(
            `${endpoint.wsUrl}/v1/ws?token=${encodeURIComponent(await token())}&cursor=${cursor}`
          )
          opened++
          current = ws
          ws.socket.on("message", (data) => {
            const f = JSON.parse(data.toString()) as ServerFrame
            if (isEntry(f)) seqs.push(f.seq)
          })
          await ws.next((f) => f.type === "welcome", 10_000)
          if (first) ready(follower)
          first = false
          await ws.closed
        } catch (e) {
          if (first) return fail(e)
        }
        if (!stopped) await new Promise((r) => setTimeout(r, 100 + Math.random() * 200))
      }
    }
    const follower: Follower = {
      seqs,
      connections: () => opened,
      stop: async () => {
        stopped = true
        await current?.close()
      }
    }
    void open(true)
  })

/** Whether `seqs` is exactly 1..n, each once, in order. */
export const contiguous = (seqs: ReadonlyArray<number>, n: number): boolean =>
  seqs.length === n && seqs.every((s, i) => s === i + 1)
