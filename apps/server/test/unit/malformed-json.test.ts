/**
 * The scanner that says where a refused body stops being JSON (http/malformedJson.ts, issue 26)
 * agrees with JSON.parse on what is JSON, and points at the first wrong character.
 */
import { FastCheck as fc } from "effect"
import { describe, expect, it } from "vitest"
import { firstJsonError, malformedJson } from "../../src/http/malformedJson.js"

const parses = (text: string): boolean => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/** Near-JSON: a JSON text with one character dropped, added or changed. */
const nearJson = fc
  .tuple(fc.json({ maxDepth: 4 }), fc.nat(), fc.constantFrom(...'{}[],:"\\ tfn0-.eE\nxu'), fc.nat(2))
  .map(([text, at, c, how]) => {
    const i = at % (text.length + 1)
    return how === 0
      ? text.slice(0, i) + text.slice(i + 1)
      : how === 1
        ? text.slice(0, i) + c + text.slice(i)
        : text.slice(0, i) + c + text.slice(i + 1)
  })

describe("firstJsonError", () => {
  it("finds an error exactly when JSON.parse refuses the text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json({ maxDepth: 4 }), nearJson, fc.string({ maxLength: 30 })), (text) => {
        expect(firstJsonError(text) === undefined, JSON.stringify(text)).toBe(parses(text))
      }),
      { numRuns: 5000 }
    )
  })

  it("points at the first character that breaks the grammar", () => {
    expect(firstJsonError('{"a":1,}')).toMatchObject({ at: 7, expected: "a property name in double quotes" })
    expect(firstJsonError("[1 2]")).toMatchObject({ at: 3, expected: "',' or ']'" })
    expect(firstJsonError('{"a" 1}')).toMatchObject({ at: 5, expected: "':' after the property name" })
    expect(firstJsonError("nul")).toMatchObject({ at: 3, expected: "null" })
    expect(firstJsonError('{"a":1} x')).toMatchObject({ at: 8 })
    expect(firstJsonError(`${"[".repeat(20_000)}`)).toMatchObject({
      expected: "at most 256 levels of nesting"
    })
  })

  it("names the line and column, never quoting the body", () => {
    expect(malformedJson('{"users": ["a",\n  "b",]}')).toBe(
      "body: malformed JSON at line 2, column 7 (position 22): expected a value"
    )
    expect(malformedJson('{"secret": "abc')).toBe(
      "body: malformed JSON at line 1, column 16 (position 15): the body ends; expected a closing quote"
    )
  })
})
