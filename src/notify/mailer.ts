/**
 * E-mail over SMTP with nodemailer: the guide's Notification Settings (server, port, Use SSL, user
 * name, password, from, to) and its Send Test. Messages are plain text and pass through the secret
 * redactor; the SMTP password itself is only handed to nodemailer.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import nodemailer, { type Transporter } from 'nodemailer';
import { EtlError } from '../errors.ts';
import { redactSecrets } from '../redaction.ts';
import type { NotificationsConfig } from '../config/config-types.ts';

export interface Mail {
  readonly subject: string;
  readonly text: string;
}

export interface SentMail {
  readonly messageId: string;
  readonly accepted: readonly string[];
}

/** Something that delivers mail; the SMTP mailer in production, anything in tests. */
export interface MailTransport {
  send(mail: Mail): Promise<SentMail>;
  close(): void;
}

function describeServer(config: NotificationsConfig): string {
  const security = config.smtp.ssl ? 'SSL/TLS' : config.smtp.requireTls ? 'STARTTLS required' : 'STARTTLS when offered';
  return `${config.smtp.host}:${config.smtp.port} (${security}${config.smtp.username ? `, user ${config.smtp.username}` : ''})`;
}

export class SmtpMailer implements MailTransport {
  readonly #config: NotificationsConfig;
  readonly #transport: Transporter;

  constructor(config: NotificationsConfig) {
    this.#config = config;
    const { smtp } = config;
    this.#transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.ssl,
      requireTLS: smtp.requireTls,
      auth: smtp.username ? { user: smtp.username, pass: smtp.password?.reveal() ?? '' } : undefined,
      tls: smtp.caFile ? { ca: readFileSync(smtp.caFile, 'utf8') } : undefined,
      connectionTimeout: smtp.timeoutSeconds * 1000,
      greetingTimeout: smtp.timeoutSeconds * 1000,
      socketTimeout: smtp.timeoutSeconds * 1000,
    });
  }

  async send(mail: Mail): Promise<SentMail> {
    try {
      const info = await this.#transport.sendMail({
        from: this.#config.from,
        to: [...this.#config.to],
        subject: redactSecrets(mail.subject),
        text: redactSecrets(mail.text),
      });
      return { messageId: String(info.messageId), accepted: (info.accepted as (string | { address: string })[]).map((a) => (typeof a === 'string' ? a : a.address)) };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const what = redactSecrets(error instanceof Error ? error.message : String(error));
      const hint = code === 'EAUTH'
        ? 'check notifications.smtp.username and password'
        : code === 'ESOCKET' || code === 'ECONNECTION' || code === 'ETIMEDOUT'
          ? 'check notifications.smtp.host, port and ssl (Use SSL is usually port 465; STARTTLS usually 587 or 25)'
          : 'check notifications.smtp, from and to';
      throw new EtlError(`cannot send e-mail through ${describeServer(this.#config)}: ${what}; ${hint}`, 'connection', 'sending', { cause: error });
    }
  }

  close(): void {
    this.#transport.close();
  }
}

/** The guide's Send Test. */
export function testMail(config: NotificationsConfig, host = hostname()): Mail {
  return {
    subject: `[sra-etl] Test notification from ${host}`,
    text: [
      `This is a test of sra-etl's notification settings (sra-etl notify test), sent from ${host}.`,
      '',
      `SMTP server: ${describeServer(config)}`,
      `From:        ${config.from}`,
      `To:          ${config.to.join(', ')}`,
      '',
      'If you can read this, you will be told here when a scheduled run fails, and when it recovers.',
    ].join('\n'),
  };
}
