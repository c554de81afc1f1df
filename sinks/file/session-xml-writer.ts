/**
 * Session data as files: one XML document per session, holding the session exactly as the appliance
 * sent it (`bundle.rawXml`: its list root, declaration and namespace kept), written to a temporary
 * file, fsynced and moved to its name under the guide's conflict handling.
 *
 * Sessions come again (the overlap window, in-progress sessions re-fetched until they end), so a
 * session whose XML is byte-identical to a file it already has is left alone instead of producing
 * `….1.xml` copies; a changed session (it has ended since) is a new version and follows the conflict
 * rule. This needs no state: the name rule finds the candidates and their bytes are compared.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { EtlError } from '../../src/errors.ts';
import type { SessionBundle } from '../../src/records.ts';
import { appendNumberCandidates, placeFile } from './conflict.ts';
import type { ResolvedTypeSettings } from './file-sink-options.ts';
import { containedJoin, pathModule, type PathFlavor } from './path-safety.ts';
import { sessionValues } from './replacement-values.ts';
import type { TempFiles } from './temp-files.ts';

export type FileOutcome = 'created' | 'overwritten' | 'skipped' | 'unchanged';

export interface StoredFile {
  readonly outcome: FileOutcome;
  /** Absolute path of the file (for skipped: the name that was already taken). */
  readonly path: string;
  readonly bytes: number;
}

const DECLARATION = /^\uFEFF?<\?xml[^?]*\?>/;

/**
 * The document bytes, always UTF-8: a declaration naming another encoding would lie once the text
 * is written as UTF-8, so it is corrected; a document without one gets one.
 */
export function sessionDocument(rawXml: string): Buffer {
  const match = DECLARATION.exec(rawXml);
  let text: string;
  if (match === null) text = `<?xml version="1.0" encoding="UTF-8"?>\n${rawXml}`;
  else if (/encoding\s*=\s*["'](?!utf-8["'])[^"']*["']/i.test(match[0])) text = rawXml.replace(DECLARATION, (declaration) => declaration.replace(/encoding\s*=\s*["'][^"']*["']/i, 'encoding="UTF-8"'));
  else text = rawXml.replace(/^\uFEFF/, '');
  return Buffer.from(text, 'utf8');
}

async function sameContent(file: string, data: Buffer): Promise<boolean | undefined> {
  const info = await stat(file).catch(() => undefined);
  if (info === undefined) return undefined; // no such file
  if (!info.isFile() || info.size !== data.byteLength) return false;
  return data.equals(await readFile(file));
}

/** Writes one session's XML file; resolves once it is durable (the folder fsync is the caller's, per batch). */
export async function writeSessionXml(bundle: SessionBundle, settings: ResolvedTypeSettings, temps: TempFiles, options: { readonly flavor: PathFlavor; readonly now: Date }): Promise<StoredFile> {
  if (bundle.rawXml === undefined) {
    throw new EtlError(`session ${bundle.session.key.lsid} (${bundle.origin.source}) reached the file destination without its XML: the parser must run with captureRawXml for this destination`, 'internal', 'sending');
  }
  const data = sessionDocument(bundle.rawXml);
  const components = settings.format.render(sessionValues(bundle.session, { extension: 'xml', now: options.now }));
  const finalPath = containedJoin(settings.directory, components, options.flavor);

  if (settings.conflict === 'Skip') {
    if ((await sameContent(finalPath, data)) !== undefined) return { outcome: 'skipped', path: finalPath, bytes: 0 };
  } else if (settings.conflict === 'Overwrite') {
    if ((await sameContent(finalPath, data)) === true) return { outcome: 'unchanged', path: finalPath, bytes: 0 };
  } else {
    for (const candidate of appendNumberCandidates(finalPath)) {
      const same = await sameContent(candidate, data);
      if (same === undefined) break;
      if (same) return { outcome: 'unchanged', path: candidate, bytes: 0 };
    }
  }

  await mkdir(pathModule(options.flavor).dirname(finalPath), { recursive: true });
  const temp = await temps.writeBuffer(data);
  const placed = await placeFile(temp.path, finalPath, settings.conflict);
  temps.release(temp.path);
  return { outcome: placed.outcome, path: placed.path, bytes: placed.outcome === 'skipped' ? 0 : data.byteLength };
}
