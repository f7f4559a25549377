#!/usr/bin/env node
// The `pushback` command. It is a file that exists before any build (dist/cli.js does not), so
// that installing a fresh clone links it into node_modules/.bin — `pnpm pushback …` and
// `npx pushback …` from the repository root — and it runs the built CLI.
import { existsSync } from "node:fs"

const cli = new URL("../dist/cli.js", import.meta.url)
if (!existsSync(cli)) {
  console.error("pushback: not built yet: run `pnpm build` (or `npm start`) at the repository root first")
  process.exit(1)
}
// `serve` as a container's PID 1 has no default action for SIGTERM: one that comes while the CLI
// loads would be ignored. It is noted here and honoured once the server has started (cli.ts);
// any other command simply ends, as it would without this handler.
if (process.argv[2] === "serve") {
  const early = { signal: undefined, off: () => {} }
  const note = (signal) => () => {
    early.signal ??= signal
  }
  const onTerm = note("SIGTERM")
  const onInt = note("SIGINT")
  process.on("SIGTERM", onTerm)
  process.on("SIGINT", onInt)
  early.off = () => {
    process.off("SIGTERM", onTerm)
    process.off("SIGINT", onInt)
  }
  globalThis[Symbol.for("pushback.earlyStop")] = early
}
await import(cli.href)
