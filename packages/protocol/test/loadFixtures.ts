/**
 * Reads the golden fixtures of `test/fixtures/` (layout in its README) so the protocol tests,
 * and the server and SDK tests that reuse them, walk the same files the same way.
 */
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

/** Absolute path of the fixtures directory. */
export const fixturesDir = fileURLToPath(new URL("./fixtures/", import.meta.url))

/** A wire value the named schema must accept. */
export interface ValidFixture {
  /** The exported schema name, e.g. `NotifyRequest`. */
  readonly schema: string
  /** The file name without `.json`, e.g. `broadcast-minimal`. */
  readonly name: string
  /** Path relative to the fixtures directory. */
  readonly file: string
  readonly input: unknown
}

/** A wire value the named schema must refuse, naming the dotted field `path` ("" for the root). */
export interface InvalidFixture extends ValidFixture {
  readonly path: string
}

const schemaDirs = (kind: "valid" | "invalid"): ReadonlyArray<string> =>
  readdirSync(join(fixturesDir, kind), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort()

const read = (kind: "valid" | "invalid") =>
  schemaDirs(kind).flatMap((schema) =>
    readdirSync(join(fixturesDir, kind, schema))
      .filter((file) => file.endsWith(".json"))
      .sort()
      .map((file) => ({
        schema,
        name: file.slice(0, -".json".length),
        file: `${kind}/${schema}/${file}`,
        json: JSON.parse(readFileSync(join(fixturesDir, kind, schema, file), "utf8")) as unknown
      }))
  )

/** Every valid fixture, ordered by schema then name. */
export const validFixtures = (): ReadonlyArray<ValidFixture> =>
  read("valid").map(({ json, ...rest }) => ({ ...rest, input: json }))

/** Every invalid fixture, ordered by schema then name; throws on a file not shaped `{input, path}`. */
export const invalidFixtures = (): ReadonlyArray<InvalidFixture> =>
  read("invalid").map(({ json, ...rest }) => {
    if (typeof json !== "object" || json === null || !("input" in json) || !("path" in json)) {
      throw new Error(`${rest.file}: an invalid fixture is {"input": …, "path": "…"}`)
    }
    const { input, path, ...extra } = json as { input: unknown; path: unknown }
    if (typeof path !== "string" || Object.keys(extra).length > 0) {
      throw new Error(`${rest.file}: "path" must be a string and the only other key "input"`)
    }
    return { ...rest, input, path }
  })
