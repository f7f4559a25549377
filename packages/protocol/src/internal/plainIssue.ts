/**
 * Turns a schema decode failure into one field and one sentence a caller can act on, in plain
 * words: "must be one of: all, unseen, unread, read, got \"bogus\"". Effect's own formatter
 * prints the schema (`Expected ReadonlyArray<{ minLength(1) & … | filter }>`), which is for the
 * schema's author, not for whoever sent the request; and it echoes the whole offending value,
 * which may be 10,000 items long. Only a short excerpt of the value is ever quoted here.
 */
import { Option, type ParseResult, SchemaAST as AST } from "effect"
import { closestName } from "./unknownField.js"

/** Where a decode failed and why, in plain words. */
export interface PlainIssue {
  /** The offending field's path (property names and array indexes), empty for the root. */
  readonly path: ReadonlyArray<PropertyKey>
  readonly message: string
  /**
   * Set when the issue is a field the object does not take (PROTOCOL.md §16): the known name it
   * most likely meant, if one is close, and every name the object takes.
   */
  readonly unknown?: { readonly closest?: string; readonly known: ReadonlyArray<string> }
}

/** The one issue to report: the deepest failure, the first among equals. */
export const plainIssue = (issue: ParseResult.ParseIssue): PlainIssue => walk(issue, [])

const walk = (issue: ParseResult.ParseIssue, path: ReadonlyArray<PropertyKey>): PlainIssue => {
  switch (issue._tag) {
    case "Pointer":
      return walk(issue.issue, [...path, ...(Array.isArray(issue.path) ? issue.path : [issue.path])])
    case "Missing":
      return { path, message: issue.message ?? "is required" }
    case "Unexpected":
      return { path, message: issue.message ?? "is not allowed here" }
    case "Forbidden":
      return { path, message: issue.message ?? "could not be checked" }
    case "Type":
      return { path, message: customMessage(issue) ?? issue.message ?? mustBe(issue.ast, issue.actual) }
    case "Refinement": {
      // Not even the base type (a number where a user id goes): say what the whole check takes.
      if (issue.kind === "From") {
        return isBaseTypeFailure(issue.issue)
          ? { path, message: `must be ${describe(issue.ast)}${got(issue.actual)}` }
          : walk(issue.issue, path)
      }
      const message = customMessage(issue)
      return message === undefined ? walk(issue.issue, path) : { path, message }
    }
    case "Transformation":
      if (issue.kind !== "Transformation") return walk(issue.issue, path)
      // The encoded side was fine but could not become the type (`"abc"` as a number).
      return { path, message: customMessage(issue) ?? mustBe(issue.ast.to, issue.actual) }
    case "Composite": {
      const inner = Array.isArray(issue.issues) ? issue.issues : [issue.issues as ParseResult.ParseIssue]
      const excess = AST.isTypeLiteral(issue.ast) ? inner.find(isExcess) : undefined
      if (excess !== undefined) return unknownField(issue.ast as AST.TypeLiteral, excess, path)
      const found = inner.map((i) => walk(i, path))
      let best = found[0] ?? { path, message: mustBe(issue.ast, issue.actual) }
      for (const f of found) if (f.path.length > best.path.length) best = f
      if (!AST.isUnion(issue.ast) || best.path.length > path.length) return best
      // Every member stopped at the value itself. One that took its type but not a check of
      // it (a string, not in the right format) is the one the caller meant; when none took
      // even the type, say what any of them would take (in the author's words, if the union
      // has some: listing a dozen literals runs past what a message should be).
      const checked = inner.findIndex((i) => !isBaseTypeFailure(i))
      return checked === -1
        ? { path, message: customMessage(issue) ?? mustBe(issue.ast, issue.actual) }
        : found[checked]!
    }
  }
}

/** A field the object does not take (decoded with `onExcessProperty: "error"`). */
const isExcess = (issue: ParseResult.ParseIssue): issue is ParseResult.Pointer =>
  issue._tag === "Pointer" && issue.issue._tag === "Unexpected" && !Array.isArray(issue.path)

/** "did you mean title?" (or the names the object takes) for the field `excess` names. */
const unknownField = (
  ast: AST.TypeLiteral,
  excess: ParseResult.Pointer,
  path: ReadonlyArray<PropertyKey>
) => {
  const name = String(excess.path)
  const known = ast.propertySignatures.map((p) => String(p.name))
  const closest = closestName(name, known)
  const message =
    closest !== undefined
      ? `did you mean ${closest}?`
      : known.length === 0
        ? "this object takes no fields"
        : `known fields: ${known.join(", ")}`
  return {
    path: [...path, name],
    message,
    unknown: closest === undefined ? { known } : { closest, known }
  }
}

/** True when a refinement failed because the value is not even of the type it refines. */
const isBaseTypeFailure = (issue: ParseResult.ParseIssue): boolean => {
  if (issue._tag === "Refinement") return issue.kind === "From" && isBaseTypeFailure(issue.issue)
  if (issue._tag === "Composite") {
    const inner = Array.isArray(issue.issues) ? issue.issues : [issue.issues as ParseResult.ParseIssue]
    return AST.isUnion(issue.ast) && inner.every(isBaseTypeFailure)
  }
  if (issue._tag === "Transformation")
    return issue.kind === "Transformation" && customMessage(issue) === undefined
  return issue._tag === "Type" && issue.message === undefined && customMessage(issue) === undefined
}

/** A message the schema's author wrote for this check, if any. */
const customMessage = (issue: ParseResult.ParseIssue): string | undefined => {
  if (!("ast" in issue)) return undefined
  const annotation = AST.getMessageAnnotation(issue.ast)
  if (Option.isNone(annotation)) return undefined
  const result: unknown = annotation.value(issue)
  if (typeof result === "string") return result
  if (typeof result === "object" && result !== null && "message" in result) {
    const message = (result as { message: unknown }).message
    if (typeof message === "string") return message
  }
  return undefined
}

/** "must be <what `ast` takes>, got <excerpt>"; for a failed refinement, the check it failed. */
const mustBe = (ast: AST.AST, actual: unknown): string =>
  AST.isRefinement(ast)
    ? `${brokenConstraint(ast) ?? "is not valid"}${got(actual)}`
    : `must be ${describe(ast)}${got(actual)}`

/** How a value broke `ast`'s own predicate, from the constraint it declares for JSON Schema. */
const brokenConstraint = (ast: AST.Refinement): string | undefined => {
  const c = constraintOf(ast)
  if (c === undefined) return undefined
  if (c.minLength !== undefined && c.maxLength === undefined)
    return c.minLength === 1 ? "must not be empty" : `must be at least ${c.minLength} characters long`
  if (c.maxLength !== undefined && c.minLength === undefined)
    return `must be at most ${c.maxLength} characters long`
  if (c.minItems !== undefined && c.maxItems === undefined)
    return `must have at least ${c.minItems} ${c.minItems === 1 ? "item" : "items"}`
  if (c.maxItems !== undefined && c.minItems === undefined) return `must have at most ${c.maxItems} items`
  if (c.type === "integer") return "must be an integer"
  if (c.pattern !== undefined) return "is not in the expected format"
  if (c.minimum !== undefined || c.maximum !== undefined) return `must be ${range(c.minimum, c.maximum)}`
  return undefined
}

interface Constraint {
  readonly type?: string
  readonly minLength?: number
  readonly maxLength?: number
  readonly minItems?: number
  readonly maxItems?: number
  readonly minimum?: number
  readonly maximum?: number
  readonly pattern?: string
}

const constraintOf = (ast: AST.AST): Constraint | undefined =>
  Option.getOrUndefined(AST.getJSONSchemaAnnotation(ast)) as Constraint | undefined

const range = (min: number | undefined, max: number | undefined): string =>
  min !== undefined && max !== undefined && max < Number.MAX_SAFE_INTEGER
    ? `between ${min} and ${max}`
    : min !== undefined
      ? `at least ${min}`
      : `at most ${max}`

/** Most characters of a list of valid values quoted in a message; a longer one ends with `…`. */
const LIST_CHARS = 120

/** `values` joined by commas, cut at a comma with `…` past LIST_CHARS (a message stays short). */
const shortList = (values: ReadonlyArray<string>): string => {
  const all = values.join(", ")
  if (all.length <= LIST_CHARS) return all
  return `${all.slice(0, all.lastIndexOf(", ", LIST_CHARS))}, …`
}

/** What `ast` accepts, as a noun phrase: "a string of 1-128 characters", "one of: a, b". */
const describe = (ast: AST.AST): string => {
  switch (ast._tag) {
    case "StringKeyword":
      return "a string"
    case "NumberKeyword":
      return "a number"
    case "BooleanKeyword":
      return "true or false"
    case "Literal":
      return ast.literal === null ? "null" : String(ast.literal)
    case "TupleType":
      return describeArray(ast, "an array")
    case "TypeLiteral": {
      if (ast.propertySignatures.length === 0) return "an object"
      const keys = ast.propertySignatures.map((p) => `${String(p.name)}${p.isOptional ? "?" : ""}`)
      return `an object {${keys.join(", ")}}`
    }
    case "Union": {
      const members = ast.types.filter((t) => !AST.isUndefinedKeyword(t))
      const literals = members.filter(AST.isLiteral)
      let others = members.filter((t) => !AST.isLiteral(t)).map(describe)
      // Several shapes of object (the frames of a union): "an object" says it, their keys do not.
      if (others.filter((o) => o.startsWith("an object")).length > 1) {
        others = others.map((o) => (o.startsWith("an object") ? "an object" : o))
      }
      const phrases = [...new Set(others)]
      const values = [...new Set(literals.map(describe))]
      if (values.length === 1) phrases.unshift(values[0]!)
      if (values.length > 1) phrases.unshift(`one of: ${shortList(values)}`)
      return phrases.join(" or ")
    }
    case "Refinement":
      return describeRefined(ast)
    case "Transformation":
      return describe(ast.to)
    case "Suspend":
      return describe(ast.f())
    default:
      return "a valid value"
  }
}

/** A refined type: its base with the constraints every refinement of the chain declares. */
const describeRefined = (ast: AST.Refinement): string => {
  const c: { -readonly [K in keyof Constraint]: Constraint[K] } = {}
  let base: AST.AST = ast
  while (AST.isRefinement(base)) {
    const own = constraintOf(base)
    if (own !== undefined)
      for (const [k, v] of Object.entries(own)) if (!(k in c)) Object.assign(c, { [k]: v })
    base = base.from
  }
  if (AST.isTupleType(base)) {
    const counted = c.minItems !== undefined || c.maxItems !== undefined
    return describeArray(base, counted ? `an array of ${span(c.minItems, c.maxItems)} items` : "an array")
  }
  const parts: Array<string> = [c.type === "integer" ? "an integer" : describe(base)]
  if (c.minLength !== undefined || c.maxLength !== undefined) {
    parts.push(`of ${span(c.minLength, c.maxLength)} characters`)
  }
  if (c.minimum !== undefined || c.maximum !== undefined) parts.push(range(c.minimum, c.maximum))
  return parts.join(" ")
}

/** "an array …, each <what an item takes>" (items of any JSON value go unsaid). */
const describeArray = (ast: AST.TupleType, noun: string): string => {
  const item = ast.rest[0]?.type
  return item === undefined || AST.isUnknownKeyword(item) ? noun : `${noun}, each ${describe(item)}`
}

const span = (min: number | undefined, max: number | undefined): string =>
  min !== undefined && max !== undefined
    ? `${min}-${max}`
    : min !== undefined
      ? `at least ${min}`
      : `at most ${max}`

/** Longest part of a string value quoted back. */
const EXCERPT = 24

/** ", got <a short excerpt of the value>", or nothing when there was no value. */
const got = (actual: unknown): string => {
  if (actual === undefined) return ""
  if (typeof actual === "string") {
    const quoted = JSON.stringify(actual.length > EXCERPT ? actual.slice(0, EXCERPT) : actual)
    return actual.length > EXCERPT
      ? `, got ${quoted.slice(0, -1)}…" (${actual.length} characters)`
      : `, got ${quoted}`
  }
  if (Array.isArray(actual)) {
    return actual.length === 0
      ? ", got an empty array"
      : `, got an array of ${actual.length} ${actual.length === 1 ? "item" : "items"}`
  }
  if (typeof actual === "object") return actual === null ? ", got null" : ", got an object"
  return `, got ${String(actual)}`
}
