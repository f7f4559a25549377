/**
 * Waiting in tests for what has no event to wait on (a count read over the API, a process that
 * came up): one `eventually` for every suite, polling a check until it holds or a deadline
 * passes. Where a frame or a message is awaited, the frame recorder (frames.ts) is woken by
 * its arrival instead.
 */

/** How long `eventually` waits and how often it checks. */
export interface EventuallyOptions {
  /** Give up after this many milliseconds (default 5,000). */
  readonly timeout?: number
  /** Check again after this many milliseconds (default 50). */
  readonly interval?: number
  /** What is awaited, for the failure's message. */
  readonly what?: string
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms))

/**
 * Calls `check` until it answers true; throws once `timeout` passed without that. An error
 * thrown by `check` fails at once (a broken request is not a condition to wait out).
 */
export const eventually = async (
  check: () => boolean | Promise<boolean>,
  options: EventuallyOptions = {}
): Promise<void> => {
  const timeout = options.timeout ?? 5000
  const deadline = Date.now() + timeout
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeout} ms waiting for ${options.what ?? "a condition"}`)
    await sleep(options.interval ?? 50)
  }
}
