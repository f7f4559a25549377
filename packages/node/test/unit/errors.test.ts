/**
 * Every error code of PROTOCOL.md §3.5 becomes one typed PushBackError; answers that are not
 * protocol errors still get a code.
 */
import { ErrorStatus, type ErrorCode } from "@pushback/protocol"
import { describe, expect, it } from "vitest"
import { PushBack, PushBackError } from "../../src/index.js"
import { SECRET, URL_, errorBody, fake } from "./fakeFetch.js"

const failure = async (promise: Promise<unknown>): Promise<PushBackError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(error).toBeInstanceOf(PushBackError)
  return error as PushBackError
}

const codes = Object.entries(ErrorStatus) as Array<[ErrorCode, number]>

describe("one typed error per error code (§3.5)", () => {
  it.each(codes)("%s → PushBackError with status %i, message and details", async (code, status) => {
    const details = code === "bad_request" ? { field: "users.0" } : { hint: code }
    const f = fake({ status, body: errorBody(code, `the ${code} message`, details) })
    const pb = new PushBack({ url: URL_, secret: SECRET, fetch: f.fetch, sleep: f.sleep, maxRetries: 0 })
    const error = await failure(pb.getUser("alice"))
    expect(error).toMatchObject({
      name: "PushBackError",
      status,
      code,
      message: `the ${code} message`,
      details
    })
    expect(PushBackError.is(error)).toBe(true)
  })

  it("leaves details undefined when the body has none", async () => {
    const f = fake({ status: 404, body: errorBody("not_found", "no such user") })
    const pb = new PushBack({ url: URL_, secret: SECRET, fetch: f.fetch })
    const error = await failure(pb.getUser("ghost"))
    expect(error).toMatchObject({ status: 404, code: "not_found", message: "no such user" })
    expect(error.details).toBeUndefined()
  })

  it.each([
    [502, "unavailable"],
    [504, "unavailable"],
    [500, "internal"],
    [503, "unavailable"],
    [405, "bad_request"],
    [401, "unauthorized"]
  ])("derives the code from the status when the body is not a protocol error (%i)", async (status, code) => {
    const f = fake({ status, body: "<html>proxy error</html>" })
    const pb = new PushBack({ url: URL_, secret: SECRET, fetch: f.fetch, sleep: f.sleep, maxRetries: 0 })
    const error = await failure(pb.stats())
    expect(error).toMatchObject({ status, code })
    expect(error.details).toEqual({ body: "<html>proxy error</html>" })
  })

  it("reports a 2xx answer that does not match the protocol as invalid_response", async () => {
    const f = fake({ status: 200, body: { users: "many" } }, { status: 200, body: "not json" })
    const pb = new PushBack({ url: URL_, secret: SECRET, fetch: f.fetch })
    expect(await failure(pb.stats())).toMatchObject({ status: 200, code: "invalid_response" })
    expect(await failure(pb.stats())).toMatchObject({ status: 200, code: "invalid_response" })
  })

  it("recognises a PushBackError without instanceof (dual ESM/CJS copies)", () => {
    const error = new PushBackError({ status: 400, code: "bad_request", message: "x" })
    expect(PushBackError.is(error)).toBe(true)
    expect(PushBackError.is(new Error("x"))).toBe(false)
    expect(PushBackError.is({ status: 400, code: "bad_request" })).toBe(false)
    expect(error).toBeInstanceOf(Error)
  })
})
