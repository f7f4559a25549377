import { defineConfig } from "tsup"

// Two builds: the ESM entries (with types) for bundlers — the SDK, the core that
// `@pushback/node` runs, Web Push (`@pushback/browser/push`) and channels
// (`@pushback/browser/channels`) and chat (`@pushback/browser/chat`), each with its own size budget —
// and a minified IIFE for script tags whose global `PushBack` is the
// PushBack object itself (the footer unwraps the default export).
export default defineConfig([
  {
    entry: {
      index: "src/index.ts",
      core: "src/core.ts",
      push: "src/push.ts",
      channels: "src/channels.ts",
      chat: "src/chat.ts"
    },
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
