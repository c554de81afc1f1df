/**
 * Ctrl-C and `kill` for a command that can stop cleanly (pull, replay, run): the first SIGINT or
 * SIGTERM aborts the command's controller with the error `reason` makes, so the open batch is
 * rolled back and the command ends through its usual error path (one line, exit 130); a second
 * signal exits 130 at once.
 */

/** Listens for SIGINT and SIGTERM until the returned function is called (in the command's `finally`). */
export function cancelOnSignals(controller: AbortController, reason: (signal: NodeJS.Signals) => Error): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(reason(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
