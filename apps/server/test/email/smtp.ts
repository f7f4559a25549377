/**
 * A real SMTP listener in the test process (smtp-server), the messages it accepted parsed with
 * mailparser, so the email tests check what a mail server really got: envelope, headers, parts.
 * It can refuse recipients with a chosen SMTP answer, and stop and start again on the same port
 * (an SMTP server that is down, then back).
 */
import { createServer as createNetServer } from "node:net"
import { type ParsedMail, simpleParser } from "mailparser"
import { SMTPServer } from "smtp-server"

/** One accepted message. */
export interface Caught {
  /** The envelope's recipients (RCPT TO), Bcc included. */
  readonly rcptTo: ReadonlyArray<string>
  readonly mailFrom: string
  readonly mail: ParsedMail
}

/** What the listener answers a recipient: undefined accepts it. */
export type RcptAnswer = (address: string) => { code: number; message: string } | undefined

/** A free loopback port. */
const freePort = () =>
  new Promise<number>((done, fail) => {
    const probe = createNetServer()
    probe.once("error", fail)
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number }
      probe.close(() => done(port))
    })
  })

/** A running SMTP catcher. */
export interface SmtpCatcher {
  readonly port: number
  /** `smtp://127.0.0.1:PORT`, for `PUSHBACK_SMTP_URL`. */
  readonly url: string
  readonly messages: Array<Caught>
  /** Recipients the listener answered with an error, in order (`code address`). */
  readonly refused: Array<string>
  /** Resolves once a message matches (received before or later); fails after `timeoutMs`. */
  readonly waitFor: (match: (m: Caught) => boolean, timeoutMs?: number) => Promise<Caught>
  /** Sets how recipients are answered (default: all accepted). */
  answer: RcptAnswer
  readonly start: () => Promise<void>
  readonly stop: () => Promise<void>
}

/** Starts a catcher (or only reserves its port, with `listening: false`: a server that is down). */
export const startSmtp = async (options: { listening?: boolean } = {}): Promise<SmtpCatcher> => {
  const port = await freePort()
  const waiters = new Set<() => void>()
  let server: SMTPServer | undefined
  const catcher: SmtpCatcher = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages: [],
    refused: [],
    answer: () => undefined,
    waitFor: (match, timeoutMs = 10_000) =>
      new Promise((done, fail) => {
        const check = () => {
          const found = catcher.messages.find(match)
          if (found === undefined) return
          waiters.delete(check)
          clearTimeout(timer)
          done(found)
        }
        const timer = setTimeout(() => {
          waiters.delete(check)
          const got = catcher.messages.map((m) => `${m.mail.subject} → ${m.rcptTo.join(",")}`)
          fail(new Error(`no matching email within ${timeoutMs} ms; got: ${JSON.stringify(got)}`))
        }, timeoutMs)
        waiters.add(check)
        check()
      }),
    start: () =>
      new Promise((done, fail) => {
        server = new SMTPServer({
          authOptional: true,
          disabledCommands: ["STARTTLS", "AUTH"],
          logger: false,
          // a pooled client keeps its connection open: do not wait 30 s for it on stop
          closeTimeout: 50,
          onRcptTo: (address, _session, callback) => {
            const refusal = catcher.answer(address.address)
            if (refusal === undefined) return callback()
            catcher.refused.push(`${refusal.code} ${address.address}`)
            callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }))
          },
          onData: (stream, session, callback) => {
            simpleParser(stream).then(
              (mail) => {
                catcher.messages.push({
                  rcptTo: session.envelope.rcptTo.map((r) => r.address),
                  mailFrom: session.envelope.mailFrom === false ? "" : session.envelope.mailFrom.address,
                  mail
                })
                for (const w of [...waiters]) w()
                callback()
              },
              (e: Error) => callback(e)
            )
          }
        })
        server.once("error", fail)
        server.listen(port, "127.0.0.1", () => done())
      }),
    stop: () =>
      new Promise((done) => {
        if (server === undefined) return done()
        const s = server
        server = undefined
        s.close(() => done())
      })
  }
  if (options.listening !== false) await catcher.start()
  return catcher
}
