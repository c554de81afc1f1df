/**
 * What an appliance `<error>` document means. The appliance answers HTTP 200 with an `<error>` body
 * both for real failures and for "nothing matched" (a report for a quiet hour), and the text is
 * localized to the site's language, so the meaning is read from known phrasings rather than by
 * equality. Unknown text is `other`: a failure that carries the appliance's own message.
 */

/**
 * - `no_data`: the query matched nothing; an empty result, not a failure.
 * - `auth`: the credentials or token were refused.
 * - `forbidden`: the account may not read this report (missing permission).
 * - `expired`: a recording past the site's retention.
 * - `other`: anything else; report it with the appliance's message.
 */
export type ReportErrorKind = 'no_data' | 'auth' | 'forbidden' | 'expired' | 'other';

// English phrasings are confirmed by peers (SEKOIA, Vulture, Axonius); French by Vulture. Both the
// typographic and the straight apostrophe occur. Others are best guesses kept deliberately narrow.
const NO_DATA: readonly RegExp[] = [
  /matching your chosen criteria is available/i,
  /no .{0,60}(found|available) for the given search criteria/i,
  /correspondant à vos critères n[’']est disponible/i,
  /aucune? .{0,80}n[’']est disponible/i,
];
const AUTH: readonly RegExp[] = [/login failed/i, /authentication failed/i, /invalid credentials/i, /échec de (la connexion|l[’']authentification)/i];
const FORBIDDEN: readonly RegExp[] = [/not (have|been granted) (the )?permission/i, /permission denied/i, /access denied/i, /not authorized to/i];
const EXPIRED: readonly RegExp[] = [/recording has expired/i, /enregistrement a expiré/i];

/** Classifies an appliance error by its `@code` (when sent) and its text. */
export function reportErrorKind(message: string, code: string | null = null): ReportErrorKind {
  const normalizedCode = code?.toLowerCase() ?? '';
  if (normalizedCode.includes('auth')) return 'auth';
  if (normalizedCode.includes('permission') || normalizedCode.includes('forbidden')) return 'forbidden';
  if (NO_DATA.some((pattern) => pattern.test(message))) return 'no_data';
  if (EXPIRED.some((pattern) => pattern.test(message))) return 'expired';
  if (AUTH.some((pattern) => pattern.test(message))) return 'auth';
  if (FORBIDDEN.some((pattern) => pattern.test(message))) return 'forbidden';
  return 'other';
}
