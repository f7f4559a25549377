/**
 * The one frame recorder of every suite: whatever the transport (WebSocket, Server-Sent Events,
 * long-polling), a client pushes each frame it receives here, in order, and a test awaits the
 * frames it expects. Waits are woken by arriving frames (no sleeps, no polling) and bounded by a
 * timeout, and a stream that ends fails the waits still pending instead of letting them hang.
 * Frames are typed with the protocol's `ServerFrame` (PROTOCOL.md §4.1): a predicate that
 * narrows on `type` (`(f) => f.type === "welcome"`) gives the matching frame's own type.
 */
import type { ServerFrame, StreamEntryFrame } from "@pushback/protocol/types"

/** The protocol's frame types the recorder is typed with, for the suites. */
export type { ServerFrame, StreamEntryFrame }

/** How a stream ended: a WebSocket close code, an HTTP status, or an `error` frame's code. */
export interface Ending {
  readonly code?: number
  readonly status?: number
  readonly error?: string
}

/** Waits for the next frame matching a predicate; a type guard narrows the answer. */
export interface NextFrame<F> {
  <G extends F>(predicate: (f: F) => f is G, timeoutMs?: number): Promise<G>
  (predicate?: (f: F) => boolean, timeoutMs?: number): Promise<F>
}

/** Waits until `count` frames match a predicate; a type guard narrows the answer. */
export interface CollectFrames<F> {
  <G extends F>(count: number, predicate: (f: F) => f is G, timeoutMs?: number): Promise<G[]>
  (count: number, predicate?: (f: F) => boolean, timeoutMs?: number): Promise<F[]>
}

/**
 * What a test reads from a recorded stream. `F` is the protocol's `ServerFrame` but for the
 * compatibility sockets (PROTOCOL.md §9), whose frames have a dialect of their own.
 */
export interface FrameStream<F = ServerFrame> {
  /** Every frame received so far, in order. */
  readonly frames: Array<F>
  /** Resolves once the stream ended, with how. */
  readonly ended: Promise<Ending>
  readonly isEnded: () => boolean
  /**
   * The earliest frame, received or to come, that matches `predicate` and that no call of
   * `next` returned before (default timeout 5 s): frames of independent kinds (a reply and the
   * entry its action made) can be awaited in either order.
   */
  readonly next: NextFrame<F>
  /** The first `count` frames matching `predicate`, once that many arrived (default 5 s). */
  readonly collect: CollectFrames<F>
}

/** A recorder: the stream a test reads, and the two calls a client feeds it with. */
export interface FrameRecorder<F = ServerFrame> extends FrameStream<F> {
  readonly push: (frame: F) => void
  /** Marks the stream ended (the first call counts) and fails the waits still pending. */
  readonly end: (how: Ending) => void
}

/** True for stream entries, the frames that carry a `seq`. */
export const isEntry = (f: ServerFrame): f is StreamEntryFrame =>
  typeof (f as { readonly seq?: unknown }).seq === "number"

/** The seqs of the stream entries among `frames`, in order. */
export const seqsOf = (frames: ReadonlyArray<ServerFrame>): Array<number> =>
  frames.filter(isEntry).map((f) => f.seq)

/** The `result` of a reply frame (undefined for an error reply or any other frame). */
export const resultOf = (f: ServerFrame): unknown => (f as { readonly result?: unknown }).result

/** A new, empty recorder. */
export const recordFrames = <F = ServerFrame>(): FrameRecorder<F> => {
  const frames: Array<F> = []
  const waiters = new Set<() => void>()
  const taken = new Set<number>()
  let ending: Ending | undefined
  let resolveEnded: (e: Ending) => void = () => {}
  const ended = new Promise<Ending>((r) => {
    resolveEnded = r
  })
  const wake = () => {
    for (const w of [...waiters]) w()
  }
  const show = () => JSON.stringify(frames).slice(0, 2000)
  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((done, fail) => {
      const attempt = () => {
        const value = check()
        if (value !== undefined) {
          waiters.delete(attempt)
          clearTimeout(timer)
          done(value)
        } else if (ending !== undefined) {
          waiters.delete(attempt)
          clearTimeout(timer)
          fail(
            new Error(`stream ended (${JSON.stringify(ending)}) while waiting for ${what}; frames: ${show()}`)
          )
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(attempt)
        fail(new Error(`timed out waiting for ${what}; frames: ${show()}`))
      }, timeoutMs)
      waiters.add(attempt)
      attempt()
    })
  const next = (predicate: (f: F) => boolean = () => true, timeoutMs = 5000) =>
    waitFor(
      () => {
        for (let i = 0; i < frames.length; i++) {
          const f = frames[i]!
          if (!taken.has(i) && predicate(f)) {
            taken.add(i)
            return f
          }
        }
        return undefined
      },
      timeoutMs,
      "a matching frame"
    )
  const collect = (count: number, predicate: (f: F) => boolean = () => true, timeoutMs = 5000) =>
    waitFor(
      () => {
        const matching = frames.filter(predicate)
        return matching.length >= count ? matching.slice(0, count) : undefined
      },
      timeoutMs,
      `${count} matching frames`
    )
  return {
    frames,
    ended,
    isEnded: () => ending !== undefined,
    push: (frame) => {
      frames.push(frame)
      wake()
    },
    end: (how) => {
      if (ending !== undefined) return
      ending = how
      resolveEnded(how)
      wake()
    },
    next: next as NextFrame<F>,
    collect: collect as CollectFrames<F>
  }
}
