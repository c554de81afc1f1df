/**
 * Whether two files hold the same bytes, read side by side 1 MiB at a time (memory stays flat for
 * recordings of any size). Sizes are compared first, so files that differ in length cost one stat.
 */
import { open, stat } from 'node:fs/promises';

const CHUNK = 1024 * 1024;

/** `undefined` when `existing` does not exist; otherwise whether it has exactly `candidate`'s bytes. */
export async function sameFileContent(existing: string, candidate: string): Promise<boolean | undefined> {
  const [a, b] = await Promise.all([stat(existing).catch(() => undefined), stat(candidate)]);
  if (a === undefined) return undefined;
  if (!a.isFile() || a.size !== b.size) return false;
  const [left, right] = await Promise.all([open(existing, 'r'), open(candidate, 'r')]);
  try {
    const x = Buffer.allocUnsafe(CHUNK);
    const y = Buffer.allocUnsafe(CHUNK);
    for (let position = 0; position < a.size; position += CHUNK) {
      const [rx, ry] = await Promise.all([left.read(x, 0, CHUNK, position), right.read(y, 0, CHUNK, position)]);
      if (rx.bytesRead !== ry.bytesRead || !x.subarray(0, rx.bytesRead).equals(y.subarray(0, ry.bytesRead))) return false;
      if (rx.bytesRead === 0) break;
    }
    return true;
  } finally {
    await Promise.all([left.close(), right.close()]);
  }
}
