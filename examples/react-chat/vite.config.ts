import { defineConfig } from "vite"
import { pushbackDevBackend } from "./dev/backend.js"

// JSX through esbuild's automatic runtime (no React plugin needed); `vite` (dev) also runs a
// tiny backend that hands the browser its PushBack session and starts conversations, as a real
// backend would. Port 5174, so it runs beside the React inbox example (5173).
export default defineConfig({
  esbuild: { jsx: "automatic" },
  plugins: [pushbackDevBackend()],
  server: { port: 5174 },
  preview: { port: 5174 },
  build: {
    rollupOptions: {
      // `@pushback/react` starts with "use client" for React Server Components; a client-only
      // bundle has no use for it, and Rollup says so once per build.
      onwarn(warning, warn) {
        if (warning.code === "MODULE_LEVEL_DIRECTIVE" && warning.message.includes('"use client"')) return
        warn(warning)
      }
    }
  }
})
