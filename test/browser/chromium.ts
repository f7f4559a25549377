/**
 * Launches Debian's Chromium for the browser suites, headless and with the flags this
 * machine needs (no sandbox as root, no background networking on a closed network). Never
 * downloads a browser: a missing /usr/bin/chromium is a failure (`npm test` installs it).
 */
import { type Browser, chromium } from "playwright-core"

/** Chromium, headless, as the browser suites use it. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync"
    ]
  })
