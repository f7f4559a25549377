/**
 * Launches Debian's Chromium for the browser suites, headless and with the flags this
 * machine needs (no sandbox as root, no background networking on a closed network). Never
 * downloads a browser: a missing /usr/bin/chromium is a failure (`npm test` installs it).
 */
import { type Browser, type BrowserContextOptions, chromium, type Page } from "playwright-core"
import { afterAll, beforeAll } from "vitest"

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

/** The dashboard suites' window: 1280 × 900, English (United States) for dates and numbers. */
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 900 }, locale: "en-US" }

/**
 * One Chromium page for a whole test file: launched before its tests, closed after them. Read
 * `view.page` inside the tests (it is there once they run).
 */
export const useChromiumPage = (options: BrowserContextOptions = DESKTOP): { readonly page: Page } => {
  let browser: Browser | undefined
  let page: Page | undefined
  beforeAll(async () => {
    browser = await launchChromium()
    page = await browser.newPage(options)
  })
  afterAll(async () => {
    await browser?.close()
  })
  return {
    get page() {
      if (page === undefined) throw new Error("the Chromium page is opened before the file's tests")
      return page
    }
  }
}
