/**
 * Where a request body stops being JSON (PROTOCOL.md §16, issue 26): "malformed JSON" alone
 * leaves the caller to hunt for the mistake in a 200-line body. V8's parse errors do not always
 * carry the position (Node 20's "Unexpected token" quotes a piece of the body instead), so once
 * `JSON.parse` has refused a body, this scanner walks the text to the first place that breaks
 * the JSON grammar (RFC 8259) and names it by line, column and position, without quoting it.
 */

/** Nesting the scanner follows before it gives up on a body. */
const MAX_SCAN_DEPTH = 256

/** A place in the text where JSON cannot go on, and what it expected there. */
class Stop {
  constructor(
    readonly at: number,
    readonly expected: string
  ) {}
}

/** The offset of the first error in `text` and what was expected there (undefined: valid). */
export const firstJsonError = (text: string): Stop | undefined => {
  let i = 0
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++
  }
  const fail = (expected: string): never => {
    throw new Stop(i, expected)
  }
  const literal = (word: string) => {
    for (const c of word) {
      if (text[i] !== c) fail(word)
      i++
    }
  }
  const hex4 = () => {
    for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? "")) fail("4 hex digits after \\u")
  }
  const string = () => {
    i++ // the opening quote
    for (;;) {
      if (i >= text.length) fail("a closing quote")
      const c = text.charCodeAt(i)
      if (c === 0x22) {
        i++
        return
      }
      if (c < 0x20) fail("no control character inside a string (escape it)")
      i++
      if (c !== 0x5c) continue
      if (text[i] === "u") {
        i++
        hex4()
      } else if ('"\\/bfnrt'.includes(text[i] ?? "x")) i++
      else fail('an escape: \\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\u')
    }
  }
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400))
    if (match === null) fail("a value")
    i += match![0].length
  }
  const members = (depth: number) => {
    for (;;) {
      ws()
      if (text[i] !== '"') fail("a property name in double quotes")
      string()
      ws()
      if (text[i] !== ":") fail("':' after the property name")
      i++
      value(depth + 1)
      ws()
      if (text[i] === "}") break
      if (text[i] !== ",") fail("',' or '}'")
      i++
    }
    i++
  }
  const items = (depth: number) => {
    for (;;) {
      value(depth + 1)
      ws()
      if (text[i] === "]") break
      if (text[i] !== ",") fail("',' or ']'")
      i++
    }
    i++
  }
  function value(depth: number): void {
    // Deeper bodies are refused anyway (Edge.ts); stopping here keeps the scan off the stack's end.
    if (depth > MAX_SCAN_DEPTH) fail(`at most ${MAX_SCAN_DEPTH} levels of nesting`)
    ws()
    const c = text[i]
    if (c === "{" || c === "[") {
      i++
      ws()
      if (text[i] === (c === "{" ? "}" : "]")) i++
      else if (c === "{") members(depth)
      else items(depth)
    } else if (c === '"') string()
    else if (c === "t") literal("true")
    else if (c === "f") literal("false")
    else if (c === "n") literal("null")
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) number()
    else fail("a value")
  }
  try {
    value(0)
    ws()
    if (i < text.length) fail("the end of the body after the JSON value")
    return undefined
  } catch (e) {
    if (e instanceof Stop) return e
    throw e
  }
}

/** The 400 message for a body `text` that `JSON.parse` refused. */
export const malformedJson = (text: string): string => {
  const stop = firstJsonError(text)
  if (stop === undefined) return "body: malformed JSON"
  const before = text.slice(0, stop.at)
  const line = before.split("\n").length
  const column = stop.at - before.lastIndexOf("\n")
  const what =
    stop.at >= text.length ? `the body ends; expected ${stop.expected}` : `expected ${stop.expected}`
  return `body: malformed JSON at line ${line}, column ${column} (position ${stop.at}): ${what}`
}
