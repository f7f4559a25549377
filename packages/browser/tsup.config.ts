import { defineConfig } from "tsup"

// Two builds: the ESM entry (with types) for bundlers, and a minified IIFE for script tags
// whose global `PushBack` is the PushBack object itself (the footer unwraps the default export).
export default defineConfig([
  {
    entry: { index: "src/index.ts" },
    format: ["esm"],
    dts: true,
    sourcemap: true,
    clean: false,
    platform: "browser",
    target: "es2020"
  },
  {
    entry: { pushback: "src/global.ts" },
    format: ["iife"],
    globalName: "PushBack",
    footer: { js: "PushBack=PushBack.default;" },
    minify: true,
    sourcemap: true,
    clean: false,
    platform: "browser",
    target: "es2020"
  }
])
