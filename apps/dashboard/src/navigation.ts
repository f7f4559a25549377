/**
 * The dashboard's paths: every page lives under `/dashboard`, moved with the History API (the
 * server answers every `/dashboard/*` path with the app). Its own module so pages can navigate
 * without importing the shell that renders them.
 */

/** Where the dashboard is served. */
export const BASE = "/dashboard"

/** Goes to a dashboard path without a reload. */
export const navigate = (path: string): void => {
  history.pushState(null, "", `${BASE}${path}`)
  dispatchEvent(new PopStateEvent("popstate"))
}
