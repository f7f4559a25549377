/**
 * The apps: each with its counts, created here (its secret shown once), its secret rotated
 * (after a confirmation), deleted (after typing its name).
 */
import { type FormEvent, useState } from "react"
import { type AppDetail, type AppSummary, api } from "./api.js"
import { navigate } from "./navigation.js"
import { SecretOnce } from "./Secret.js"
import { usePoll } from "./usePoll.js"

const loadApps = async (): Promise<Array<AppDetail>> => {
  const { apps } = await api<{ apps: Array<AppSummary> }>("GET", "/v1/apps")
  return Promise.all(apps.map((a) => api<AppDetail>("GET", `/v1/apps/${encodeURIComponent(a.id)}`)))
}

/** Deleting one app: its name must be typed first. */
const DeleteApp = ({ app, onDeleted }: { app: AppDetail; onDeleted: () => void }) => {
  const [typed, setTyped] = useState("")
  const [error, setError] = useState<string | undefined>(undefined)
  const id = `delete-${app.id}`
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    try {
      await api("DELETE", `/v1/apps/${encodeURIComponent(app.id)}`)
      onDeleted()
    } catch (err) {
      setError((err as Error).message)
    }
  }
  return (
    <form onSubmit={submit} className="danger">
      <label htmlFor={id}>Type “{app.name}” to delete it and all its data</label>
      <input id={id} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
      <button type="submit" disabled={typed !== app.name}>
        Delete {app.name}
      </button>
      {error !== undefined && <p role="alert">{error}</p>}
    </form>
  )
}

/** The apps page. */
export const AppsPage = () => {
  const { data: apps, error, reload } = usePoll(loadApps)
  const [name, setName] = useState("")
  const [secret, setSecret] = useState<{ appName: string; secret: string } | undefined>(undefined)
  const [deleting, setDeleting] = useState<string | undefined>(undefined)
  const [message, setMessage] = useState("")

  const create = async (e: FormEvent) => {
    e.preventDefault()
    try {
      const app = await api<{ id: string; name: string; secret: string }>("POST", "/v1/apps", {
        name: name.trim()
      })
      setSecret({ appName: app.name, secret: app.secret })
      setName("")
      setMessage(`Created ${app.name}`)
      await reload()
    } catch (err) {
      setMessage(`Could not create the app: ${(err as Error).message}`)
    }
  }
  const rotate = async (app: AppDetail) => {
    if (
      !confirm(
        `Rotate the secret of ${app.name}? The old secret and every token signed with it stop working now.`
      )
    )
      return
    const answer = await api<{ secret: string }>("POST", `/v1/apps/${encodeURIComponent(app.id)}/secret`)
    setSecret({ appName: app.name, secret: answer.secret })
    setMessage(`Rotated the secret of ${app.name}`)
  }

  return (
    <>
      <h1>Apps</h1>
      <p aria-live="polite" className="status">
        {message}
      </p>
      {secret !== undefined && <SecretOnce {...secret} onDone={() => setSecret(undefined)} />}
      <form onSubmit={create} className="row" aria-label="Create an app">
        <label htmlFor="new-app">New app name</label>
        <input id="new-app" required maxLength={100} value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit">Create app</button>
      </form>
      {error !== undefined && <p role="alert">{error}</p>}
      <div className="scroll">
        <table>
          <caption>Every app, with its counts</caption>
          <thead>
            <tr>
              <th scope="col">App</th>
              <th scope="col">Users</th>
              <th scope="col">Notifications</th>
              <th scope="col">Online</th>
              <th scope="col">Connections</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(apps ?? []).map((app) => (
              <tr key={app.id}>
                <th scope="row">
                  <a
                    href={`/dashboard/apps/${encodeURIComponent(app.id)}`}
                    onClick={(e) => {
                      e.preventDefault()
                      navigate(`/apps/${encodeURIComponent(app.id)}`)
                    }}
                  >
                    {app.name}
                  </a>
                  <div className="mono small">{app.id}</div>
                </th>
                <td>{app.counts.users}</td>
                <td>{app.counts.notifications}</td>
                <td>{app.counts.onlineUsers}</td>
                <td>{app.counts.connections}</td>
                <td>
                  <div className="row">
                    <button type="button" className="quiet" onClick={() => void rotate(app)}>
                      Rotate secret
                    </button>
                    <button
                      type="button"
                      className="quiet"
                      aria-expanded={deleting === app.id}
                      onClick={() => setDeleting(deleting === app.id ? undefined : app.id)}
                    >
                      Delete…
                    </button>
                  </div>
                  {deleting === app.id && (
                    <DeleteApp
                      app={app}
                      onDeleted={() => {
                        setDeleting(undefined)
                        setMessage(`Deleted ${app.name}`)
                        void reload()
                      }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {apps !== undefined && apps.length === 0 && <p>No apps yet: create one above.</p>}
    </>
  )
}
