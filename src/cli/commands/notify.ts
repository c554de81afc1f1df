/**
 * `sra-etl notify test`: the guide's Send Test. Sends one e-mail with the configured SMTP settings
 * and says plainly what failed if it cannot.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { SmtpMailer, testMail } from '../../notify/mailer.ts';
import { CONFIG_OPTION, HOST, loadConfigFrom } from '../runtime.ts';

export function registerNotify(program: Command): void {
  const notify = program.command('notify').description('E-mail notifications about failed runs (the guide\'s Notification Settings).');
  notify
    .command('test')
    .description('Send a test e-mail with the configured SMTP settings (the guide\'s Send Test).')
    .option(...CONFIG_OPTION)
    .addHelpText('after', `
Examples:
  $ SRA_SMTP_PASSWORD=… sra-etl notify test --config /etc/sra-etl/sra-etl.yaml`)
    .action(async (flags: { config?: string }) => {
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
    });
}
