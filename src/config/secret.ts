/**
 * Secrets in the configuration are given by reference (`{ env: NAME }`, `{ file: path }`) or, with a
 * warning, inline. A resolved secret is a {@link Secret}: its value is only available through
 * `reveal()`, and it prints as `***` in logs, JSON and string templates.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { secretRedactor } from '../redaction.ts';

/** How a secret is written in the configuration file. */
export type SecretRef = string | { readonly env: string } | { readonly file: string };

export class Secret {
  readonly #value: string;
  /** Where the value came from, safe to print: `env SRA_CLIENT_SECRET`, `file /run/secrets/x`, `inline`. */
  readonly source: string;

  constructor(value: string, source: string) {
    this.#value = value;
    this.source = source;
    secretRedactor.add(value);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '***';
  }

  toJSON(): string {
    return '***';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Secret(${this.source})`;
  }
}

/** Where a reference points, safe to print: `env NAME`, `file /path`, `inline`. */
export function describeSecretRef(ref: SecretRef): string {
  if (typeof ref === 'string') return 'inline';
  return 'env' in ref ? `env ${ref.env}` : `file ${ref.file}`;
}

export function isInlineSecret(ref: SecretRef): ref is string {
  return typeof ref === 'string';
}

/**
 * Reads a secret reference. Throws a plain Error whose message says what is missing (never the
 * value); the caller prefixes the configuration key and line.
 */
export function resolveSecret(ref: SecretRef, baseDirectory: string, env: NodeJS.ProcessEnv = process.env): Secret {
  if (typeof ref === 'string') return new Secret(ref, 'inline');
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') throw new Error(`environment variable ${ref.env} is not set; export it before starting sra-etl (or use { file: … })`);
    return new Secret(value, `env ${ref.env}`);
  }
  const path = resolve(baseDirectory, ref.file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`cannot read secret file ${path} (${code}); check the path and that sra-etl may read it`, { cause: error });
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') throw new Error(`secret file ${path} is empty`);
  return new Secret(value, `file ${path}`);
}
