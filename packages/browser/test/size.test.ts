/**
 * The size budget: the ESM entry, bundled and minified as an app's bundler would, stays under
 * 6 KB gzipped. The source is bundled here (the same esbuild that tsup runs), so the check
 * does not depend on a previous build (`@pushback/protocol/codes`, bundled in, from its source
 * too); the built `dist/index.js` is checked too when present.
 */
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { build } from "esbuild"
import { expect, it } from "vitest"
import { esbuildSources } from "../../../scripts/vitest/sources.mjs"

const BUDGET = 6144
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

const gzippedBundle = async (entry: string): Promise<number> => {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2020",
    write: false,
    logLevel: "silent",
    plugins: [esbuildSources]
  })
  return gzipSync(result.outputFiles[0]!.contents, { level: 9 }).length
}

it(`the ESM entry is under ${BUDGET} bytes minified and gzipped`, async () => {
  const size = await gzippedBundle(here("../src/index.ts"))
  expect(size).toBeLessThan(BUDGET)
  const dist = here("../dist/index.js")
  if (existsSync(dist)) expect(await gzippedBundle(dist)).toBeLessThan(BUDGET)
})

/** `@pushback/browser/push` (PROTOCOL.md §14): a separate entry, with its own budget. */
const PUSH_BUDGET = 1536

it(`the push entry is under ${PUSH_BUDGET} bytes minified and gzipped, and apart from the core`, async () => {
  expect(await gzippedBundle(here("../src/push.ts"))).toBeLessThan(PUSH_BUDGET)
  const dist = here("../dist/push.js")
  if (existsSync(dist)) expect(await gzippedBundle(dist)).toBeLessThan(PUSH_BUDGET)
})

/** `@pushback/browser/channels` (PROTOCOL.md §12): a separate entry with its own connection, and its own budget. */
const CHANNELS_BUDGET = 5632

it(`the channels entry is under ${CHANNELS_BUDGET} bytes minified and gzipped`, async () => {
  expect(await gzippedBundle(here("../src/channels.ts"))).toBeLessThan(CHANNELS_BUDGET)
  const dist = here("../dist/channels.js")
  if (existsSync(dist)) expect(await gzippedBundle(dist)).toBeLessThan(CHANNELS_BUDGET)
})

/** `@pushback/browser/chat` (PROTOCOL.md §13): a separate entry on the client's connection, with its own budget. */
const CHAT_BUDGET = 3072

it(`the chat entry is under ${CHAT_BUDGET} bytes minified and gzipped`, async () => {
  expect(await gzippedBundle(here("../src/chat.ts"))).toBeLessThan(CHAT_BUDGET)
  const dist = here("../dist/chat.js")
  if (existsSync(dist)) expect(await gzippedBundle(dist)).toBeLessThan(CHAT_BUDGET)
})

it("has no runtime dependencies", async () => {
  const pkg = (await import("../package.json", { with: { type: "json" } })).default as {
    dependencies?: Record<string, string>
  }
  expect(pkg.dependencies ?? {}).toEqual({})
})
