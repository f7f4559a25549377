/**
 * Form bodies (`application/x-www-form-urlencoded`), which the seed-compatible endpoints of
 * PROTOCOL.md §9 take as their callers send them: recognized by content type and read into the
 * object a JSON body would have given.
 */

/** Whether a content type is a urlencoded form. */
export const isForm = (contentType: string | undefined): boolean =>
  /^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType ?? "")

/**
 * An `application/x-www-form-urlencoded` body as an object: each name's value, an array when the
 * name repeats or ends in `[]` (`users[]=1&users[]=2`, as PHP and jQuery send lists). Undefined
 * when a name or value is not valid percent-encoded UTF-8.
 */
export const parseForm = (text: string): Record<string, string | Array<string>> | undefined => {
  const form: Record<string, string | Array<string>> = Object.create(null)
  for (const pair of text.split("&")) {
    if (pair === "") continue
    const at = pair.indexOf("=")
    let name: string
    let value: string
    try {
      const decode = (s: string) => decodeURIComponent(s.replaceAll("+", " "))
      name = decode(at < 0 ? pair : pair.slice(0, at))
      value = at < 0 ? "" : decode(pair.slice(at + 1))
    } catch {
      return undefined
    }
    const list = name.endsWith("[]")
    if (list) name = name.slice(0, -2)
    const prior = form[name]
    if (prior === undefined) form[name] = list ? [value] : value
    else if (Array.isArray(prior)) prior.push(value)
    else form[name] = [prior, value]
  }
  return { ...form }
}
