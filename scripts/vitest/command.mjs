// Runs a command to its end without blocking the test's event loop: spawnSync's answer
// ({status, stdout, stderr}), awaited. A test file's worker talks to Vitest's main process by
// messages that time out after 60 s, and a worker blocked in spawnSync/execFileSync for longer
// (an npm install, a bench smoke run, a busy machine) fails the whole run with
// `Timeout calling "onTaskUpdate"` even though every test passed. Long commands use this.
import { spawn } from "node:child_process"

/**
 * `cmd args…` to its end: `{status, signal, stdout, stderr}` (status null when it was killed or
 * could not start; `error` then says why). SIGTERM after `timeoutMs` when given.
 */
export const command = (cmd, args, { cwd, env, timeoutMs, input } = {}) =>
  new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (c) => {
      stdout += c
    })
    child.stderr.setEncoding("utf8").on("data", (c) => {
      stderr += c
    })
    // a command that exits without reading its input must not fail the test with EPIPE
    child.stdin.on("error", () => undefined).end(input)
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill("SIGTERM"), timeoutMs)
    let error
    child.on("error", (e) => {
      error = e
    })
    child.on("close", (status, signal) => {
      clearTimeout(timer)
      resolve({ status, signal, stdout, stderr, error })
    })
  })

/** As `command`, but rejects unless the command exits 0 (the message carries its output). */
export const commandOk = async (cmd, args, options) => {
  const result = await command(cmd, args, options)
  if (result.status !== 0) {
    const why =
      result.error?.message ?? (result.signal ? `killed by ${result.signal}` : `exit ${result.status}`)
    throw new Error(`${cmd} ${args.join(" ")}: ${why}\n${result.stdout}${result.stderr}`)
  }
  return result
}
