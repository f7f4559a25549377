/**
 * Mailer: hands one email message to an SMTP server (PROTOCOL.md §7). A `Context.Tag` so the
 * outbox names what it needs; the SMTP layer is nodemailer on a pooled connection (no
 * hand-written SMTP), the memory layer keeps messages in an array for unit tests. A failure
 * says whether it is permanent (an SMTP 5xx answer: retrying would get the same answer) or
 * not (a 4xx, a refused connection, a timeout: the outbox retries later).
 */
import { Context, Data, Effect, Layer } from "effect"
import nodemailer from "nodemailer"

/** One message, ready to send. */
export interface MailMessage {
  readonly from: string
  /** Empty for a `bcc` message (then it is addressed to `from`). */
  readonly to: ReadonlyArray<string>
  readonly bcc: ReadonlyArray<string>
  readonly subject: string
  /** The plain part (absent when the backend gave its own HTML body). */
  readonly text?: string | undefined
  /** Absent for `text/plain`: a plain part only. */
  readonly html?: string | undefined
  /** `<…@…>`, stable for a notification (or a call) so a resend can be recognised. */
  readonly messageId: string
}

/** Why a message was not accepted. */
export class MailError extends Data.TaggedError("MailError")<{
  readonly message: string
  /** An SMTP 5xx answer: not worth retrying. */
  readonly permanent: boolean
}> {}

/** The Mailer interface. */
export interface MailerShape {
  readonly send: (message: MailMessage) => Effect.Effect<void, MailError>
}

/** The Mailer service tag. */
export class Mailer extends Context.Tag("@pushback/server/Mailer")<Mailer, MailerShape>() {}

/** Keeps an SMTP server's answer and the failing step, never the URL (it may hold a password). */
const toMailError = (e: unknown): MailError => {
  const err = e as { responseCode?: number; response?: string; code?: string; message?: string }
  const code = typeof err.responseCode === "number" ? err.responseCode : undefined
  const said = err.response ?? err.message ?? String(e)
  return new MailError({
    message: code === undefined && err.code !== undefined ? `${err.code}: ${said}` : said,
    permanent: code !== undefined && code >= 500 && code < 600
  })
}

/** Mailer on the SMTP server at `url` (`smtp://[user:pass@]host:port`, `smtps://` for TLS). */
export const layerSmtpMailer = (url: string): Layer.Layer<Mailer> =>
  Layer.scoped(
    Mailer,
    Effect.acquireRelease(
      Effect.sync(() =>
        nodemailer.createTransport({
          url,
          pool: true,
          maxConnections: 4,
          // A server that hangs delays mail; it never holds the outbox for long.
          connectionTimeout: 10_000,
          greetingTimeout: 10_000,
          socketTimeout: 30_000
        } as Parameters<typeof nodemailer.createTransport>[0])
      ),
      (transport) => Effect.sync(() => transport.close())
    ).pipe(
      Effect.map(
        (transport): MailerShape => ({
          send: (m) =>
            Effect.tryPromise({
              try: () =>
                transport.sendMail({
                  from: m.from,
                  to: m.to.length > 0 ? [...m.to] : m.from,
                  bcc: [...m.bcc],
                  subject: m.subject,
                  ...(m.text === undefined ? {} : { text: m.text }),
                  ...(m.html === undefined ? {} : { html: m.html }),
                  messageId: m.messageId
                }),
              catch: toMailError
            }).pipe(Effect.asVoid)
        })
      )
    )
  )

/** A Mailer that keeps every message in `sent` (unit tests only: the server's tests speak SMTP). */
export const makeMemoryMailer = () => {
  const sent: Array<MailMessage> = []
  const layer = Layer.succeed(Mailer, {
    send: (m) =>
      Effect.sync(() => {
        sent.push(m)
      })
  })
  return { sent, layer }
}
