/**
 * One OAuth access token, shared by every call of a client. An API account holds at most 30 valid
 * tokens and the 31st silently invalidates the oldest, so fetching a token per call would log other
 * integrations of the same account out: the token is reused until shortly before it expires, and
 * concurrent callers share one in-flight fetch.
 */

export interface IssuedToken {
  readonly accessToken: string;
  /** Lifetime the appliance announced (`expires_in`), in seconds. */
  readonly expiresInSeconds: number;
}

export class TokenCache {
  readonly #fetch: (signal?: AbortSignal) => Promise<IssuedToken>;
  readonly #now: () => number;
  #token: string | undefined;
  #renewAt = 0;
  #pending: Promise<string> | undefined;
  #fetched = 0;

  /** `now` is the local clock in ms (injectable so tests can move it). */
  constructor(fetch: (signal?: AbortSignal) => Promise<IssuedToken>, now: () => number) {
    this.#fetch = fetch;
    this.#now = now;
  }

  /** Tokens fetched by this cache so far. */
  get fetched(): number {
    return this.#fetched;
  }

  /** A valid token: the cached one, or a fresh one when it is close to expiry. */
  async get(signal?: AbortSignal): Promise<string> {
    if (this.#token !== undefined && this.#now() < this.#renewAt) return this.#token;
    this.#pending ??= this.#renew(signal).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /**
   * Forget `token` after the appliance refused it (401). Only the token that was refused is dropped,
   * so twenty calls failing with the same stale token cause one new fetch, not twenty.
   */
  invalidate(token: string): void {
    if (this.#token === token) {
      this.#token = undefined;
      this.#renewAt = 0;
    }
  }

  async #renew(signal?: AbortSignal): Promise<string> {
    const issuedAt = this.#now();
    const issued = await this.#fetch(signal);
    this.#fetched++;
    // Renew 5 minutes early (as the vendor's peers do), or a fifth of the lifetime for short tokens.
    const lifetimeMs = Math.max(0, issued.expiresInSeconds) * 1000;
    const marginMs = Math.min(300_000, lifetimeMs / 5);
    this.#token = issued.accessToken;
    this.#renewAt = issuedAt + lifetimeMs - marginMs;
    return issued.accessToken;
  }
}
