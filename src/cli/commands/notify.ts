/**
 * `sra-etl notify test`: the guide's Send Test. Sends one e-mail with the configured SMTP settings
 * and says plainly what failed if it cannot. This file only registers the command; notify-action.ts
 * (configuration loader, mailer) is imported when it runs.
 */
import type { Command } from 'commander';
import { CONFIG_OPTION } from '../config-option.ts';

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
      const { sendTestMail } = await import('./notify-action.ts');
      await sendTestMail(flags);
    });
}
