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
await import(cli.href)
