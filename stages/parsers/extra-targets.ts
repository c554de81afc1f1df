/**
 * Where the parser keeps what the record model has no field for: in the `extra` of the nearest
 * enclosing record, under the element's path relative to that record (`approval/ticket`,
 * `jumpoint@zone`, `@region` for the record's own attribute). Outside any record (between sessions)
 * values wait, with their absolute path (`/session_list/note`), for the next record to open.
 */
import type { ExtraValue } from '../../src/records.ts';
import { keepExtra, type ExtraCounter } from './leaf-values.ts';

export class ExtraTargets {
  readonly #extras: ExtraValue[][] = [];
  readonly #depths: number[] = [];
  /** Values met outside any record, for the next one. */
  #orphans: ExtraValue[] = [];
  /** Line of the first orphan, for the message when nothing comes to take them. */
  orphanLine = 0;

  /** A record opened at `depth`: unknown things below it go to `extra`. */
  push(extra: ExtraValue[], depth: number): void {
    this.#extras.push(extra);
    this.#depths.push(depth);
  }

  pop(): void {
    this.#extras.pop();
    this.#depths.pop();
  }

  get insideRecord(): boolean {
    return this.#extras.length > 0;
  }

  /** The element at `depth` (names indexed by depth), relative to the nearest record, or absolute. */
  path(depth: number, names: readonly string[]): string {
    const base = this.#depths.length === 0 ? 0 : (this.#depths[this.#depths.length - 1] as number);
    let path = base === 0 ? '' : undefined;
    for (let d = base + 1; d <= depth; d++) path = path === undefined ? names[d] : `${path}/${names[d]}`;
    return path ?? '';
  }

  keep(path: string, value: string, counter: ExtraCounter): void {
    const extra = this.#extras[this.#extras.length - 1];
    if (extra === undefined) this.#orphans.push({ path, value });
    else keepExtra(extra, counter, path, value);
  }

  /** Hands the waiting values to a record that just opened. */
  adoptOrphans(extra: ExtraValue[], counter: ExtraCounter): void {
    if (this.#orphans.length === 0) return;
    for (const orphan of this.#orphans) keepExtra(extra, counter, orphan.path, orphan.value);
    this.#orphans = [];
  }

  /** The elements still waiting (at the end of the list: no record will come), and forgets them. */
  takeOrphanElements(): string[] {
    const elements = [...new Set(this.#orphans.map((orphan) => orphan.path.replace(/@.*$/, '')))];
    this.#orphans = [];
    return elements;
  }

  get hasOrphans(): boolean {
    return this.#orphans.length > 0;
  }
}
