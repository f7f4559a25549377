/**
 * The `@pushback/protocol/codes` subpath: importable by a browser bundle (no dependencies at all),
 * and codes that cannot be confused with one another.
 */
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { ClientCodes, CloseCodes, EndFrameCodes } from "../src/Codes.js"

describe("@pushback/protocol/codes", () => {
  it("imports nothing, so no Effect code reaches a browser bundle", () => {
    const source = readFileSync(new URL("../src/Codes.ts", import.meta.url), "utf8")
    expect(source).not.toMatch(/^\s*(import|export .* from)\b/m)
  })

  it("the SDKs' codes are distinct from the server's close codes", () => {
    const all = [...Object.values(CloseCodes), ...Object.values(ClientCodes)]
    expect(new Set(all).size).toBe(all.length)
  })

  it("every end frame code stands for a close code", () => {
    for (const code of Object.values(EndFrameCodes)) expect(Object.values(CloseCodes)).toContain(code)
  })
})
