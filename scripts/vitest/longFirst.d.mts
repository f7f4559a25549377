// Types of longFirst.mjs, for vitest.config.ts.
import { BaseSequencer } from "vitest/node"

/** Vitest's order, with the test files that take minutes first. */
export declare class LongFirst extends BaseSequencer {}
