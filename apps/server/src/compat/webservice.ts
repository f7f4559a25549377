/**
 * The webservice-notification seed's one call, `POST /notify` (PROTOCOL.md §9): its fields as
 * a v1 notify body, its `email_*` fields as the `email` block of §7 — one message with every
 * recipient in Bcc, as that seed sends — validated and stored by the v1 notify.
 */
import { Effect } from "effect"
import { badRequest } from "../http/ApiError.js"
import { ok, route } from "../http/Route.js"
import { notify } from "../notify/calls.js"
import { defined, fieldsOf, flagOf, scalarText, seedApp, usersOf } from "./seedInput.js"

/** The seed's `email_type`: a MIME type, or its short name. */
const CONTENT_TYPES: Record<string, string> = {
  "text/html": "text/html",
  html: "text/html",
  "text/plain": "text/plain",
  plain: "text/plain",
  text: "text/plain"
}

/** The `email` block from the seed's `email_*` fields, or undefined when it gives none. */
const emailOf = (fields: Record<string, unknown>) =>
  Effect.gen(function* () {
    if (!Object.keys(fields).some((name) => name.startsWith("email_"))) return undefined
    const mime = fields["email_mime"]
    if (mime !== undefined && scalarText(mime) !== "1.0") {
      return yield* badRequest("email_mime: must be 1.0", "email_mime")
    }
    const type = fields["email_type"]
    const typeText = scalarText(type)?.toLowerCase()
    const contentType =
      typeText !== undefined && Object.hasOwn(CONTENT_TYPES, typeText) ? CONTENT_TYPES[typeText] : undefined
    if (type !== undefined && contentType === undefined) {
      return yield* badRequest("email_type: must be text/html or text/plain", "email_type")
    }
    return defined({
      send: yield* flagOf(fields["email_send"], "email_send"),
      force: yield* flagOf(fields["email_force"], "email_force"),
      subject: fields["email_subject"],
      content: fields["email_content"],
      contentType,
      bcc: true
    })
  })

/** The webservice-notification seed's route. */
export const webserviceRoutes = [
  route(
    "POST",
    "/notify",
    (ctx) =>
      Effect.gen(function* () {
        const app = yield* seedApp(ctx)
        const fields = yield* fieldsOf(ctx)
        const body = defined({
          type: fields["type"],
          title: fields["title"],
          content: fields["content"],
          url: fields["url"],
          icon: fields["icon"],
          image: fields["image"],
          // a JSON list, or one as text: its forms never repeat `users`
          users: yield* usersOf(fields["users"], "users", false),
          email: yield* emailOf(fields)
        })
        return ok(yield* notify(app, body, ctx.headers["idempotency-key"]), 202)
      }),
    { forms: true }
  )
]
