import { defineConfig } from "vite"
import { pushbackDevBackend } from "./dev/backend.js"

// JSX through esbuild's automatic runtime (no React plugin needed); `vite` (dev) also runs a
// tiny backend that hands the browser its PushBack session, as a real backend would.
export default defineConfig({
  esbuild: { jsx: "automatic" },
  plugins: [pushbackDevBackend()]
})
