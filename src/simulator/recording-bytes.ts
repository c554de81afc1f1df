/**
 * Deterministic synthetic binaries for recordings and backups: any size, produced 64 KiB at a time
 * (never held whole), the same bytes for the same (seed, name) on every run, so a test can compute
 * the expected checksum of a download without the simulator.
 */
import { createHash } from 'node:crypto';
import { Prng } from '../../fixtures/generator/prng.ts';

export const BLOCK_BYTES = 64 * 1024;

const baseBlocks = new Map<string, Buffer>();

function baseBlock(seed: string | number): Buffer {
  const key = String(seed);
  let block = baseBlocks.get(key);
  if (block === undefined) {
    const prng = new Prng(seed, 'binary-block');
    block = Buffer.alloc(BLOCK_BYTES);
    for (let offset = 0; offset < BLOCK_BYTES; offset += 4) block.writeUInt32LE(prng.nextUint32(), offset);
    baseBlocks.set(key, block);
  }
  return block;
}

/** A synthetic file: `size` bytes starting with `magic`, unique per `name`. */
export interface SyntheticBinary {
  readonly size: number;
  /** The bytes in blocks of at most 64 KiB. Each call starts again from the beginning. */
  chunks(): Generator<Buffer>;
}

export function syntheticBinary(seed: string | number, name: string, size: number, magic: Buffer): SyntheticBinary {
  const base = baseBlock(seed);
  return {
    size,
    *chunks() {
      for (let offset = 0, block = 0; offset < size; offset += BLOCK_BYTES, block++) {
        const length = Math.min(BLOCK_BYTES, size - offset);
        const chunk = Buffer.from(base.subarray(0, length));
        // Stamp each block with a digest of (name, block) so files and blocks differ from each other.
        createHash('sha256').update(`${name}/${block}`).digest().copy(chunk, 0, 0, Math.min(32, length));
        if (block === 0) magic.copy(chunk, 0, 0, Math.min(magic.length, length));
        yield chunk;
      }
    },
  };
}

/** FLV file header, as the Integration Client's `.flv` recordings start. */
export const FLV_MAGIC = Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05, 0x00, 0x00, 0x00, 0x09]);
/** A recognisable prefix for synthetic `.nsb` backups (the real format is proprietary). */
export const BACKUP_MAGIC = Buffer.from('SRA-ETL-SIMULATED-BACKUP\n');
