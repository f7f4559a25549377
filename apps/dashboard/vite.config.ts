import { defineConfig } from "vite"

// Built to static files (dist/) that @pushback/server copies into its package and serves at
// /dashboard: hashed file names under assets/ (cached for good), no CDN, no external font.
// JSX through esbuild's automatic runtime (no React plugin needed).
export default defineConfig({
  base: "/dashboard/",
  esbuild: { jsx: "automatic" },
  build: { outDir: "dist", emptyOutDir: true, assetsInlineLimit: 0, sourcemap: false }
})
