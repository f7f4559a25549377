/**
 * The operator client: creates, lists, deletes apps and rotates their secrets with the admin
 * token (PROTOCOL.md §3.1). Kept apart from `PushBack` because it holds a different, more
 * powerful credential that most backends never have.
 */
import { AppList, CreateAppRequest, CreatedApp, RotatedSecret, type AppSummary } from "@pushback/protocol"
import { Schema } from "effect"
import { type HttpClient, makeHttpClient, segment } from "./internal/http.js"
import { validate } from "./internal/validate.js"
import type { AdminOptions } from "./options.js"

const PathId = Schema.String.pipe(Schema.minLength(1, { message: () => "must be a non-empty string" }))

/**
 * The operator API. Create it with `PushBack.admin({ url, adminToken })`.
 * Every method rejects with a `PushBackError`.
 */
export class PushBackAdmin {
  readonly #http: HttpClient

  /** Throws `PushBackError(400, bad_request)` for a malformed URL, token or option. */
  constructor(options: AdminOptions) {
    this.#http = makeHttpClient(options, { field: "adminToken", value: options.adminToken })
  }

  /**
   * Creates an app (`POST /v1/apps`) and answers its id and secret — the only time the
   * secret is shown besides rotation. Not retried after the request may have reached the
   * server (a retry could create a second app); only a 429 or a refused connection is retried.
   */
  async createApp(name: string): Promise<CreatedApp> {
    const body = validate(CreateAppRequest, { name })
    return this.#http.call({ method: "POST", path: "/v1/apps", body, response: CreatedApp, repeat: "once" })
  }

  /** Every app (`GET /v1/apps`), without secrets. */
  async listApps(): Promise<ReadonlyArray<AppSummary>> {
    const list = await this.#http.call({
      method: "GET",
      path: "/v1/apps",
      response: AppList,
      repeat: "idempotent"
    })
    return list.apps
  }

  /** Deletes an app and erases all its data (`DELETE /v1/apps/{id}`). An unknown id is 404. */
  async deleteApp(appId: string): Promise<void> {
    const id = validate(PathId, appId, "appId")
    return this.#http.call({
      method: "DELETE",
      path: `/v1/apps/${segment(id)}`,
      response: undefined,
      repeat: "idempotent",
      goneIsDone: true
    })
  }

  /**
   * Replaces an app's secret (`POST /v1/apps/{id}/secret`): the old secret and every token
   * signed with it stop working. Retried like `createApp`, since each call makes a new secret.
   */
  async rotateSecret(appId: string): Promise<RotatedSecret> {
    const id = validate(PathId, appId, "appId")
    return this.#http.call({
      method: "POST",
      path: `/v1/apps/${segment(id)}/secret`,
      response: RotatedSecret,
      repeat: "once"
    })
  }
}
