/**
 * The client's listeners by event type: `on(type, listener)` and `emit(type, arg)`. A listener
 * that throws does not stop delivery to the others: its error is rethrown on its own task.
 */

/** Listeners for the events of `E`, each a function of one argument; `setTimeout` rethrows. */
export const makeEvents = <E extends { [K in keyof E]: (arg: never) => void }>(
  setTimeout: (callback: () => void, ms: number) => unknown
) => {
  const listeners: { [type: string]: Set<(arg: never) => void> } = {}
  return {
    /** Calls every listener of `type` with `arg`. */
    emit<K extends keyof E & string>(type: K, arg: Parameters<E[K]>[0]) {
      for (const listener of listeners[type] ?? []) {
        try {
          ;(listener as (a: unknown) => void)(arg)
        } catch (e) {
          setTimeout(() => {
            throw e
          }, 0)
        }
      }
    },
    /** Listens to `type`; returns the unsubscribe. */
    on<K extends keyof E & string>(type: K, listener: E[K]) {
      listeners[type] ??= new Set()
      const group = listeners[type]
      group.add(listener)
      return () => group.delete(listener)
    }
  }
}
