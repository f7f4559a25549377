import { defineConfig } from "tsup"

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  sourcemap: true,
  clean: true,
  target: "node20",
  // The client core is the browser SDK's own, bundled in (code and types): @pushback/browser is a
  // dev dependency, so nothing published refers to it.
  noExternal: ["@pushback/browser"],
  dts: {
    compilerOptions: {
      lib: ["ES2023", "DOM"],
      paths: { "@pushback/browser/core": ["../browser/src/core.ts"] }
    }
  }
})
