// Types of sources.mjs, for the TypeScript tests that import it.
import type { Plugin } from "esbuild"

/** The repository root. */
export declare const root: string
/** Every import specifier of a workspace package that has a build, with its source file. */
export declare const workspaceSources: Readonly<Record<string, string>>
/** The table as Vite `resolve.alias` entries (exact specifiers only, never a prefix). */
export declare const sourceAliases: ReadonlyArray<{ find: RegExp; replacement: string }>
/** The table as an esbuild plugin: workspace specifiers resolve to their sources. */
export declare const esbuildSources: Plugin
