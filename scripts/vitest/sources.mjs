// The workspace packages' entry points, mapped to their TypeScript sources. The `unit` Vitest
// project resolves `@pushback/protocol` and `@pushback/browser` with this table (their
// package.json exports point at dist/), so in-process tests run from a checkout where only
// `pnpm install` was done; what a unit test bundles with esbuild (the SQLite writer thread,
// the browser SDK's size budget) resolves them with the same table.
import { fileURLToPath } from "node:url"

/** The repository root. */
export const root = fileURLToPath(new URL("../..", import.meta.url))

const at = (path) => fileURLToPath(new URL(`../../${path}`, import.meta.url))

/** Every import specifier of a workspace package that has a build, with its source file. */
export const workspaceSources = {
  "@pushback/protocol": at("packages/protocol/src/index.ts"),
  "@pushback/protocol/types": at("packages/protocol/src/types.ts"),
  "@pushback/protocol/codes": at("packages/protocol/src/Codes.ts"),
  "@pushback/browser": at("packages/browser/src/index.ts"),
  "@pushback/browser/core": at("packages/browser/src/core.ts"),
  "@pushback/node": at("packages/node/src/index.ts"),
  "@pushback/react": at("packages/react/src/index.ts")
}

/** The table as Vite `resolve.alias` entries (exact specifiers only, never a prefix). */
export const sourceAliases = Object.entries(workspaceSources).map(([specifier, file]) => ({
  find: new RegExp(`^${specifier.replace(/[/]/g, "\\/")}$`),
  replacement: file
}))

/** The table as an esbuild plugin: workspace specifiers resolve to their sources. */
export const esbuildSources = {
  name: "workspace-sources",
  setup(build) {
    build.onResolve({ filter: /^@pushback\// }, (args) => {
      const path = workspaceSources[args.path]
      return path === undefined ? undefined : { path }
    })
  }
}
