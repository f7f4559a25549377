/**
 * The dashboard's entry: mounts the app on #root.
 */
import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import "uplot/dist/uPlot.min.css"
import "./styles.css"
import { App } from "./App.js"

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>
)
