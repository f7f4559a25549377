/**
 * The dashboard's shell: signed out it shows the sign-in form; signed in, the page the path
 * names (`/dashboard/` the apps, `/dashboard/apps/{id}` one app), moved with the History API
 * (the server answers every `/dashboard/*` path with this app).
 */
import { useEffect, useState } from "react"
import { storedToken, storeToken } from "./api.js"
import { AppPage } from "./AppPage.js"
import { AppsPage } from "./AppsPage.js"
import { BASE, navigate } from "./navigation.js"
import { SignIn } from "./SignIn.js"

const usePath = (): string => {
  const [path, setPath] = useState(location.pathname)
  useEffect(() => {
    const onPop = () => setPath(location.pathname)
    addEventListener("popstate", onPop)
    return () => removeEventListener("popstate", onPop)
  }, [])
  return path.startsWith(BASE) ? path.slice(BASE.length) || "/" : "/"
}

/** The whole dashboard. */
export const App = () => {
  const [token, setToken] = useState(storedToken())
  const path = usePath()
  if (token === null) {
    return (
      <SignIn
        onSignedIn={(t) => {
          storeToken(t)
          setToken(t)
        }}
      />
    )
  }
  const appMatch = /^\/apps\/([^/]+)/.exec(path)
  return (
    <>
      <header className="top">
        <a
          href={`${BASE}/`}
          className="brand"
          onClick={(e) => {
            e.preventDefault()
            navigate("/")
          }}
        >
          PushBack
        </a>
        <button
          type="button"
          className="quiet"
          onClick={() => {
            storeToken(null)
            setToken(null)
          }}
        >
          Sign out
        </button>
      </header>
      <main>{appMatch ? <AppPage appId={decodeURIComponent(appMatch[1]!)} /> : <AppsPage />}</main>
    </>
  )
}
