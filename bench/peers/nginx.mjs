// nginx + nchan for the peers bench: installs Debian's nginx and libnginx-mod-nchan when they
// are missing (as root, with apt), renders servers/nchan.conf into a temp dir that holds every
// path nginx writes (temp paths, pid, logs), and starts it pinned like the other servers.
import { execSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { connect } from "node:net"
import { join } from "node:path"
import { freePort, start, stop } from "./proc.mjs"

const NGINX = "/usr/sbin/nginx"
const MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so"
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Makes sure nginx and the nchan module are installed; throws if they are not and cannot be. */
export const ensureNchan = () => {
  if (existsSync(NGINX) && existsSync(MODULE)) return
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0
  if (!isRoot) throw new Error("nchan peer needs: apt-get install nginx libnginx-mod-nchan (as root)")
  console.error("[peers] installing nginx and libnginx-mod-nchan with apt…")
  execSync("apt-get update -qq", { stdio: ["ignore", "ignore", "inherit"] })
  execSync(
    "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx libnginx-mod-nchan",
    {
      stdio: ["ignore", "ignore", "inherit"]
    }
  )
  if (!existsSync(NGINX) || !existsSync(MODULE)) throw new Error("nginx or the nchan module is still missing")
}

const accepting = (port) =>
  new Promise((resolve) => {
    const s = connect(port, "127.0.0.1")
    s.once("connect", () => {
      s.destroy()
      resolve(true)
    })
    s.once("error", () => resolve(false))
  })

const startOnce = async (dir, core) => {
  const port = await freePort()
  const template = readFileSync(new URL("./servers/nchan.conf", import.meta.url), "utf8")
  const conf = template
    .replaceAll("{{DIR}}", dir)
    .replaceAll("{{MODULE}}", MODULE)
    .replaceAll("{{PORT}}", port)
  writeFileSync(join(dir, "nginx.conf"), conf)
  const args = ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")]
  const { child } = await start(NGINX, args, { core, ready: null })
  const deadline = Date.now() + 10_000
  // Accepting, and still alive a moment later: not someone else who took the port first.
  const up = async () => {
    if (!(await accepting(port))) return false
    await sleep(100)
    return child.exitCode === null
  }
  while (!(await up())) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop(child)
      const log = existsSync(join(dir, "error.log")) ? readFileSync(join(dir, "error.log"), "utf8") : ""
      throw new Error(`nginx did not start on ${port}: ${log.slice(-2000)}`)
    }
    await sleep(50)
  }
  return { child, port }
}

/**
 * Starts nginx + nchan in `dir` on core `core`; resolves with `{child, port}` once it accepts.
 * nginx cannot listen on port 0, so it gets a port that was free a moment ago; if another
 * process takes it first, it tries again on another (three times).
 */
export const startNchan = async (dir, core) => {
  chmodSync(dir, 0o755) // nginx's workers run as nobody when started as root
  for (const d of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    mkdirSync(join(dir, d), { recursive: true })
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(dir, core)
    } catch (e) {
      if (attempt === 3) throw e
    }
  }
}
