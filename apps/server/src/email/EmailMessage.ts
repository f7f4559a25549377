/**
 * What an email of a notify call says (PROTOCOL.md §7): the subject (the block's, else the
 * title, else `New notification`), the body (the block's as given, else the title, the content
 * and the url with every value HTML-escaped), a plain part only for `text/plain`, and a
 * `Message-ID` derived from the notification (or the call, for `bcc`) so that a resend after a
 * crash carries the same one.
 */
import type { EmailOptions } from "@pushback/protocol"
import type { MailMessage } from "./Mailer.js"
import type { CallContent, EmailRecipient } from "./emailStore.js"

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;"
}

/** `text` safe inside HTML text and quoted attributes. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!)

/** The content as a reader sees it: a string as is, any other JSON pretty-printed. */
const shownContent = (json: string): string => {
  const value: unknown = JSON.parse(json)
  return typeof value === "string" ? value : JSON.stringify(value, null, 2)
}

/** The domain of the From address, for Message-IDs (`PushBack <no-reply@example.com>`). */
const domainOf = (from: string): string => {
  const match = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)
  return match?.[1] ?? "pushback.invalid"
}

/** The default body: the title, the content and the url (a link only when http or https). */
const defaultBody = (call: CallContent) => {
  const content = shownContent(call.content)
  const text = [call.title, content, call.url].filter((p) => p !== null && p !== "").join("\n\n")
  const parts: Array<string> = []
  if (call.title !== null) parts.push(`<h2>${escapeHtml(call.title)}</h2>`)
  parts.push(`<p style="white-space: pre-wrap">${escapeHtml(content)}</p>`)
  if (call.url !== null) {
    const url = escapeHtml(call.url)
    parts.push(/^https?:\/\//i.test(call.url) ? `<p><a href="${url}">${url}</a></p>` : `<p>${url}</p>`)
  }
  return { text, html: `<!doctype html>\n<html><body>\n${parts.join("\n")}\n</body></html>\n` }
}

/** The message of one job: to its one recipient, or (`bcc`) to everybody in Bcc. */
export const renderEmail = (
  call: CallContent,
  job: { readonly id: string; readonly notificationId: string | null; readonly callId: string },
  recipients: ReadonlyArray<EmailRecipient>,
  from: string
): MailMessage => {
  const block = (call.email === null ? {} : JSON.parse(call.email)) as EmailOptions
  const plain = block.contentType === "text/plain"
  const subject = block.subject ?? call.title ?? "New notification"
  const body =
    block.content === undefined
      ? defaultBody(call)
      : plain
        ? { text: block.content }
        : { html: block.content }
  const bcc = job.notificationId === null
  return {
    from,
    to: bcc ? [] : recipients.map((r) => r.email),
    bcc: bcc ? recipients.map((r) => r.email) : [],
    subject,
    text: body.text,
    html: plain ? undefined : body.html,
    messageId: `<${job.notificationId ?? job.callId}@${domainOf(from)}>`
  }
}
