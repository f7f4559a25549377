/**
 * The Store contract: one body of tests every storage backend must pass, run in-process
 * against each backend's layer (store.sqlite.test.ts in the `unit` project, store.pg.test.ts
 * in server-pg). The process suites prove the same through HTTP; this proves it of the port
 * itself, so a new backend (or a change to one) is checked against the other without a server.
 */
import type { Layer } from "effect"
import { describe } from "vitest"
import type { Store } from "../../src/storage/Store.js"
import { batchesContract } from "./batches.js"
import { deliveryContract } from "./delivery.js"
import { emailContract } from "./email.js"
import { maintenanceContract, streamsContract } from "./streams.js"
import { useStore } from "./support.js"
import { tenancyContract } from "./tenancy.js"

/**
 * Declares the contract's tests for the backend `name`. `freshStore` answers the layer of a
 * store on a new, empty database each time it is called (the tests of a file share one; the
 * pruning tests, which touch the whole database, get their own).
 */
export const describeStoreContract = (name: string, freshStore: () => Layer.Layer<Store>): void => {
  describe(`Store contract: ${name}`, () => {
    const run = useStore(freshStore)
    tenancyContract(run)
    deliveryContract(run)
    batchesContract(run)
    streamsContract(run)
    emailContract(run)
    describe("on a database of its own", () => {
      maintenanceContract(useStore(freshStore))
    })
  })
}
