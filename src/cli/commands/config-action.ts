/**
 * What `sra-etl config check` and `config schema` do (registered in config.ts): validate and
 * summarize the configuration, print the JSON Schema.
 */
import type { DestinationConfig, EtlConfig, SiteConfig } from '../../config/config-types.ts';
import { configSchema } from '../../config/schema-errors.ts';
import { describeTiming } from '../../config/timing.ts';
import { redactConnectionString } from '../../redaction.ts';
import { localDateTime, table } from '../human-time.ts';
import { loadConfigFrom, openExistingRunHistory } from '../runtime.ts';
import type { ConfigCheckFlags } from './config.ts';

function describeSite(site: SiteConfig): string[] {
  const auth = site.clientId !== undefined
    ? `OAuth client ${site.clientId}, secret from ${site.clientSecret?.source ?? '-'}`
    : `legacy login ${site.username ?? '-'}, password from ${site.password?.source ?? '-'}`;
  return [site.name, site.product, site.host, `${auth}${site.backupPassword ? `; backup password from ${site.backupPassword.source}` : ''}`];
}

/** [type, where] of a destination, passwords masked. */
export function describeDestination(destination: DestinationConfig): [string, string] {
  switch (destination.type) {
    case 'mssql':
      return ['mssql', `${redactConnectionString(destination.connection)}${destination.password ? ` (password from ${destination.password.source})` : ''}`];
    case 'postgres':
      return ['postgres', `${redactConnectionString(destination.url)}${destination.password ? ` (password from ${destination.password.source})` : ''}`];
    case 'sqlite':
      return ['sqlite', destination.path];
    case 'file':
      return ['file', destination.directory];
  }
}

export async function printConfigSummary(config: EtlConfig, out: NodeJS.WritableStream): Promise<void> {
  const store = await openExistingRunHistory(config);
  try {
    const rows = config.schedules.map((schedule) => {
      const last = store?.lastFinishedRun(schedule.name);
      const lastRun = last?.finishedAt ? `${localDateTime(new Date(last.finishedAt))} (${last.result})` : 'never';
      return [schedule.enabled ? schedule.name : `${schedule.name} (disabled)`, String(schedule.transfers.length), describeTiming(schedule.timing), lastRun];
    });
    out.write(`${table(['Schedule Name', 'Transfers', 'Period', 'Last Run'], rows)}\n\nTransfers\n`);
    for (const schedule of config.schedules) {
      out.write(`  ${schedule.name}\n`);
      for (const transfer of schedule.transfers) out.write(`    ${transfer.index + 1}. ${transfer.site} -> ${transfer.destination}: ${transfer.data.join(', ')}\n`);
    }
    const indent = (text: string) => text.split('\n').map((line) => `  ${line}`).join('\n');
    out.write(`\n${indent(table(['Site', 'Product', 'Host', 'Credentials'], [...config.sites.values()].map(describeSite)))}\n`);
    out.write(`\n${indent(table(['Destination', 'Type', 'Where'], [...config.destinations.values()].map((d) => [d.name, ...describeDestination(d)])))}\n`);
    out.write(`\nState store  ${config.state.path}\nLog files    ${config.logs.directory ?? '(console only)'}, deleted after ${config.logs.deleteAfterDays || 'never'}${config.logs.deleteAfterDays ? ' days' : ''}\n`);
    const notify = config.notifications;
    out.write(`Notifications ${notify?.enabled ? `to ${notify.to.join(', ')} via ${notify.smtp.host}:${notify.smtp.port}` : 'off'}\n`);
  } finally {
    store?.close();
  }
}

/** `config check`: validates the configuration and prints its summary and warnings to stdout. */
export async function checkConfig(flags: ConfigCheckFlags): Promise<void> {
  const loaded = loadConfigFrom(flags.config, { resolveSecrets: flags.secrets });
  const out = process.stdout;
  const counts = `${loaded.sites.size} site${loaded.sites.size === 1 ? '' : 's'}, ${loaded.destinations.size} destination${loaded.destinations.size === 1 ? '' : 's'}, ${loaded.schedules.length} schedule${loaded.schedules.length === 1 ? '' : 's'}`;
  out.write(`${loaded.path}: valid (${counts})${flags.secrets ? '' : '; secrets not checked'}\n\n`);
  await printConfigSummary(loaded, out);
  if (loaded.warnings.length > 0) {
    out.write(`\nWarnings (${loaded.warnings.length})\n`);
    for (const warning of loaded.warnings) out.write(`  ${warning.message}\n`);
  }
}

/** `config schema`: prints the configuration's JSON Schema to stdout. */
export function printConfigSchema(): void {
  process.stdout.write(`${JSON.stringify(configSchema, null, 2)}\n`);
}
