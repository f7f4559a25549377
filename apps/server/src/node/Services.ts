/**
 * The services request handlers and transports run with, in one union type.
 */
import type { Auth } from "../auth/Auth.js"
import type { Bus } from "../cluster/bus/Bus.js"
import type { Config } from "../config/Config.js"
import type { Delivery } from "../notify/Delivery.js"
import type { Outbox } from "../outbox/Outbox.js"
import type { Metrics } from "../stats/Metrics.js"
import type { Control } from "../cluster/control/Control.js"
import type { Limits } from "../cluster/limits/Limits.js"
import type { Presence } from "../cluster/presence/Presence.js"
import type { Receipts } from "../stream/Receipts.js"
import type { Sessions } from "../stream/Sessions.js"
import type { Store } from "../storage/Store.js"

/** Everything a handler may use. */
export type Services =
  | Auth
  | Bus
  | Config
  | Control
  | Delivery
  | Outbox
  | Limits
  | Metrics
  | Presence
  | Receipts
  | Sessions
  | Store
