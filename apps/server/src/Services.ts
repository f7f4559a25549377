/**
 * The services request handlers and transports run with, in one union type.
 */
import type { Auth } from "./Auth.js"
import type { Bus } from "./Bus.js"
import type { Config } from "./Config.js"
import type { Delivery } from "./Delivery.js"
import type { EmailOutbox } from "./EmailOutbox.js"
import type { Metrics } from "./Metrics.js"
import type { Control } from "./Control.js"
import type { Limits } from "./Limits.js"
import type { Presence } from "./Presence.js"
import type { Receipts } from "./Receipts.js"
import type { Sessions } from "./Sessions.js"
import type { Store } from "./Store.js"

/** Everything a handler may use. */
export type Services =
  | Auth
  | Bus
  | Config
  | Control
  | Delivery
  | EmailOutbox
  | Limits
  | Metrics
  | Presence
  | Receipts
  | Sessions
  | Store
