/**
 * The script-tag build's entry (`dist/pushback.global.js`): its default export becomes the
 * global `PushBack` itself (tsup's IIFE `globalName`, then a footer that unwraps the default),
 * so pages call `PushBack.init(…)`, not `PushBack.PushBack.init(…)`.
 */
import { PushBack } from "./PushBack.js"

export default PushBack
