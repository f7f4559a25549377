import { defineConfig } from "tsup"

// ESM with types. `@pushback/browser` is ESM-only, so a CommonJS build would only move the
// problem. The banner marks the whole module as client code for React Server Components
// (Next.js app router): every export is a provider or a hook.
export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  platform: "browser",
  target: "es2020",
  external: ["react", "@pushback/browser"],
  banner: { js: '"use client";' },
  esbuildOptions(options) {
    options.jsx = "automatic"
  }
})
