/**
 * Debian's Firefox ESR, headless, as a process with a prepared profile (Playwright cannot drive
 * it): push pointed at a loopback push server, notifications allowed without a prompt, and
 * everything that would reach the network on its own (updates, telemetry, safe browsing,
 * captive portal and connectivity checks, remote settings) turned off.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** Where Debian installs it (scripts/setup.mjs installs it for the tests). */
export const FIREFOX = "/usr/bin/firefox-esr"

const prefs = (pushServer: string): Record<string, string | number | boolean> => ({
  "dom.push.serverURL": pushServer,
  "dom.push.testing.allowInsecureServerURL": true,
  "dom.push.testing.ignorePermission": true,
  "dom.push.connection.enabled": true,
  "dom.serviceWorkers.testing.enabled": true,
  "permissions.default.desktop-notification": 1,
  "dom.webnotifications.requireuserinteraction": false,
  "notification.prompt.testing": true,
  "notification.prompt.testing.allow": true,
  "alerts.useSystemBackend": false,
  "devtools.console.stdout.content": true,
  "app.update.disabledForTesting": true,
  "app.normandy.enabled": false,
  "browser.shell.checkDefaultBrowser": false,
  "browser.startup.homepage_override.mstone": "ignore",
  "browser.aboutwelcome.enabled": false,
  "browser.safebrowsing.malware.enabled": false,
  "browser.safebrowsing.phishing.enabled": false,
  "browser.safebrowsing.downloads.enabled": false,
  "browser.safebrowsing.update.enabled": false,
  "datareporting.policy.dataSubmissionEnabled": false,
  "datareporting.healthreport.uploadEnabled": false,
  "toolkit.telemetry.enabled": false,
  "toolkit.telemetry.server": "",
  "network.captive-portal-service.enabled": false,
  "network.connectivity-service.enabled": false,
  "network.dns.disablePrefetch": true,
  "network.prefetch-next": false,
  "services.settings.server": "http://127.0.0.1:9/",
  "extensions.update.enabled": false,
  "extensions.getAddons.cache.enabled": false,
  "browser.region.network.url": "",
  "browser.search.geoip.url": "",
  "geo.provider.network.url": ""
})

/** Firefox on `url` with push going to `pushServer` (`ws://…`); `stop` ends it and removes its profile. */
export const startFirefox = (url: string, pushServer: string) => {
  const profile = mkdtempSync(join(tmpdir(), "pushback-firefox-"))
  const lines = Object.entries(prefs(pushServer)).map(
    ([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`
  )
  writeFileSync(join(profile, "user.js"), `${lines.join("\n")}\n`)
  let output = ""
  const child: ChildProcess = spawn(FIREFOX, ["--headless", "--no-remote", "--profile", profile, url], {
    env: { ...process.env, MOZ_HEADLESS: "1", MOZ_CRASHREPORTER_DISABLE: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: stopping it stops its content processes too.
    detached: true
  })
  child.stdout?.on("data", (d) => (output += String(d)))
  child.stderr?.on("data", (d) => (output += String(d)))
  return {
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r))
        process.kill(-child.pid!, "SIGKILL")
        await exited
      }
      rmSync(profile, { recursive: true, force: true })
    }
  }
}
