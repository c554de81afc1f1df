/** Writes one batch through a sink as a transfer does: connect, write, close; abort on a failed write. */
import type { SessionBundle } from '../../src/records.ts';
import type { BundleSink, StageContext } from '../../src/stage.ts';

export async function writeOneBatch<S extends BundleSink>(sink: S, batch: readonly SessionBundle[], ctx: StageContext): Promise<S> {
  await sink.connect(ctx);
  try {
    await sink.writeBatch(batch, ctx);
  } catch (error) {
    await sink.abort(error);
    throw error;
  }
  await sink.close();
  return sink;
}
