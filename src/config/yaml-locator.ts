/**
 * Points at places in the YAML text: a key path (`schedules.nightly.every`) becomes `file:line:column`,
 * so every configuration error can say where to look. Uses the `yaml` package's node ranges and a
 * LineCounter.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair } from 'yaml';

export type KeyPath = readonly (string | number)[];

/** `['schedules', 'Hourly sessions', 'transfers', 0, 'site']` -> `schedules["Hourly sessions"].transfers[0].site`. */
export function formatKeyPath(path: KeyPath): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(part)) text += text === '' ? part : `.${part}`;
    else text += `[${JSON.stringify(part)}]`;
  }
  return text === '' ? '(top level)' : text;
}

/** `/schedules/nightly~1x/every` (an ajv instancePath, a JSON pointer) -> key path. */
export function keyPathFromPointer(pointer: string, data: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const part = Array.isArray(current) && /^\d+$/.test(token) ? Number(token) : token;
    path.push(part);
    current = current !== null && typeof current === 'object' ? (current as Record<string | number, unknown>)[part] : undefined;
  }
  return path;
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

export class YamlLocator {
  readonly #document: Document;
  readonly #lines: LineCounter;
  readonly #file: string;

  constructor(document: Document, lines: LineCounter, file: string) {
    this.#document = document;
    this.#lines = lines;
    this.#file = file;
  }

  /**
   * Where the value at `path` starts; with `atKey`, where its key starts. Falls back to the nearest
   * ancestor that exists (a missing key is reported at the object that lacks it).
   */
  position(path: KeyPath, options: { readonly atKey?: boolean } = {}): Position | undefined {
    let node: Node | null | undefined = this.#document.contents;
    let found: Node | null | undefined = node;
    for (let i = 0; i < path.length; i++) {
      const part = path[i];
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair: Pair | undefined = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(part));
        if (!pair) break;
        const keyNode = pair.key as Node | null;
        node = last && options.atKey ? keyNode : ((pair.value as Node | null) ?? keyNode);
      } else if (isSeq(node) && typeof part === 'number') {
        node = node.items[part] as Node | undefined;
      } else {
        break;
      }
      if (!node) break;
      found = node;
    }
    // A missing top-level key has no better place than the file itself.
    if (found === this.#document.contents && path.length > 0) return undefined;
    const offset = found?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = this.#lines.linePos(offset);
    return { line, column: col };
  }

  /** `sra-etl.yaml:12:5: schedules.nightly.every: <message>`. */
  describe(path: KeyPath, message: string, options: { readonly atKey?: boolean } = {}): string {
    const position = this.position(path, options);
    const where = position ? `${this.#file}:${position.line}:${position.column}` : this.#file;
    return `${where}: ${formatKeyPath(path)}: ${message}`;
  }
}
