import { defineConfig } from "tsup"

export default defineConfig({
  // The storage writer runs on a worker thread: its own entry, beside the bundle (writer.ts).
  entry: { index: "src/index.ts", cli: "src/cli.ts", "writer-thread": "src/store/writerThread.ts" },
  format: ["esm"],
  dts: { entry: "src/index.ts" },
  sourcemap: true,
  clean: true,
  target: "node20"
})
