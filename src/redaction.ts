/**
 * Process-wide secret redaction. Every secret the configuration resolves (client secrets, passwords,
 * backup passwords) is registered here, and everything that leaves the process as text (log lines,
 * error messages, run-history reasons, notification e-mails) passes through {@link redactSecrets}.
 * This is a second line of defence: code should not put secrets into messages in the first place,
 * but a driver error that echoes a connection string must not leak one either.
 */

/** Secrets shorter than this are still redacted; shorter ones would mangle ordinary text. */
const MIN_SECRET_LENGTH = 3;
const MASK = '***';

export class SecretRedactor {
  #variants = new Set<string>();
  #pattern: RegExp | undefined;

  /** Registers a secret; its raw, JSON-escaped and URL-encoded spellings are all masked. */
  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    const spellings = [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret), encodeURIComponent(secret).replace(/%20/g, '+')];
    let changed = false;
    for (const spelling of spellings) {
      if (!this.#variants.has(spelling)) {
        this.#variants.add(spelling);
        changed = true;
      }
    }
    if (changed) this.#pattern = undefined;
  }

  /** How many spellings are registered (for tests and diagnostics). */
  get size(): number {
    return this.#variants.size;
  }

  /** The text with every registered secret replaced by `***`. */
  redact(text: string): string {
    if (this.#variants.size === 0) return text;
    this.#pattern ??= new RegExp(
      [...this.#variants]
        .sort((a, b) => b.length - a.length) // longest first, so a secret containing another is masked whole
        .map((variant) => variant.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|'),
      'g',
    );
    return text.replace(this.#pattern, MASK);
  }

  /** Forgets every secret (tests). */
  clear(): void {
    this.#variants.clear();
    this.#pattern = undefined;
  }
}

/** The redactor the CLI, logger, run history and notifier share. */
export const secretRedactor = new SecretRedactor();

export function redactSecrets(text: string): string {
  return secretRedactor.redact(text);
}

/** A connection string or URL with its password masked: `postgres://user:***@host/db`, `…;Password=***;…`. */
export function redactConnectionString(text: string): string {
  return redactSecrets(
    text
      .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)[^@/\s]*@/gi, `$1${MASK}@`)
      .replace(/((?:^|;)\s*(?:password|pwd)\s*=\s*)("(?:[^"]|"")*"|'(?:[^']|'')*'|\{(?:[^}]|\}\})*\}|[^;]*)/gi, `$1${MASK}`),
  );
}
