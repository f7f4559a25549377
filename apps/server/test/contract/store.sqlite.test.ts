/**
 * The Store contract (storeContract.ts) against the SQLite backend: `layerSqliteStore` on a
 * file in a temp dir, its writer thread bundled from src (no build needed: the `unit` project).
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll } from "vitest"
import { layerSqliteStore } from "../../src/storage/sqlite/sqlite.js"
import { describeStoreContract } from "./storeContract.js"
import { writerThreadUrl } from "./support.js"

const dir = mkdtempSync(join(tmpdir(), "pushback-contract-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

describeStoreContract("SQLite", () => layerSqliteStore(join(dir, `store-${++files}.db`), writerThreadUrl()))
