/**
 * A real Redis (Debian's redis-server) as a disposable test resource: its own process on a
 * free loopback port, nothing kept on disk, stopped at the end. `stop` and `start` again on
 * the same port are how tests take Redis away from a running cluster and give it back.
 * No mocks: a missing redis-server is an error naming how to install it, never a skip.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync } from "node:fs"
import { freePort } from "./net.js"

const REDIS_SERVER = process.env["PUSHBACK_REDIS_SERVER"] ?? "/usr/bin/redis-server"

/** A running redis-server started by `startRedis`. */
export interface TestRedis {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string
  readonly port: number
  /** Stops the server (SIGKILL: a crash); what it held is gone. */
  readonly stop: () => Promise<void>
  /** Starts it again on the same port, empty. */
  readonly start: () => Promise<void>
}

const launch = (port: number) =>
  new Promise<ChildProcess>((done, fail) => {
    const child = spawn(
      REDIS_SERVER,
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--protected-mode",
        "no"
      ],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let output = ""
    const timer = setTimeout(() => fail(new Error(`redis-server did not get ready:\n${output}`)), 10_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes("Ready to accept connections")) {
        clearTimeout(timer)
        done(child)
      }
    }
    child.stdout!.on("data", onData)
    child.stderr!.on("data", onData)
    child.once("exit", (code) => {
      clearTimeout(timer)
      fail(new Error(`redis-server exited with ${code}:\n${output}`))
    })
  })

/** Starts a Redis of its own; call `stop()` when done. */
export const startRedis = async (): Promise<TestRedis> => {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`redis-server is not installed (${REDIS_SERVER}): run node scripts/setup.mjs --test`)
  }
  let port = await freePort()
  let child: ChildProcess | undefined
  for (let attempt = 1; child === undefined; attempt++) {
    try {
      child = await launch(port)
    } catch (e) {
      if (attempt >= 3) throw e
      port = await freePort() // taken between the probe and the bind
    }
  }
  const stop = async () => {
    const c = child
    child = undefined
    if (c === undefined || c.exitCode !== null) return
    await new Promise<void>((done) => {
      c.once("exit", () => done())
      c.kill("SIGKILL")
    })
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    start: async () => {
      if (child === undefined) child = await launch(port)
    }
  }
}
