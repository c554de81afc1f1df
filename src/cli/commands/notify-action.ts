/**
 * What `sra-etl notify test` does (registered in notify.ts): send one e-mail with the configured
 * SMTP settings.
 */
import { ConfigError } from '../../errors.ts';
import { SmtpMailer, testMail } from '../../notify/mailer.ts';
import { HOST, loadConfigFrom } from '../runtime.ts';

/** Sends the test e-mail and prints where it went; throws with what failed if it cannot. */
export async function sendTestMail(flags: { readonly config?: string }): Promise<void> {
  const config = loadConfigFrom(flags.config);
  const notifications = config.notifications;
  if (!notifications) {
    throw new ConfigError(`${config.path}: notifications: not configured; add a notifications section with smtp, from and to (see examples/appliance-sqlserver.yaml)`, { code: 'usage' });
  }
  const mailer = new SmtpMailer(notifications);
  try {
    const sent = await mailer.send(testMail(notifications, HOST));
    process.stdout.write(`Test e-mail sent to ${sent.accepted.join(', ') || notifications.to.join(', ')} through ${notifications.smtp.host}:${notifications.smtp.port} (message id ${sent.messageId})\n`);
    if (!notifications.enabled) process.stdout.write('Note: notifications.enabled is false, so failed runs will not be mailed until it is true.\n');
  } finally {
    mailer.close();
  }
}
