/**
 * What an error message a caller reads must never contain: the syntax of the schemas behind
 * it (`Expected ReadonlyArray<{ minLength(1) & … | filter }>`). Messages say in plain words
 * what was expected; the suites that send bad input check every message they get against this.
 */

/** Words and signs that only ever come from printing a schema. */
export const SCHEMA_SYNTAX: ReadonlyArray<string> = ["Expected", "ReadonlyArray", "filter", "|"]

/** The first piece of schema syntax in `message`, or undefined when it is plain words. */
export const schemaSyntaxIn = (message: string): string | undefined =>
  SCHEMA_SYNTAX.find((token) => message.includes(token))
