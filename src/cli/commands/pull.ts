/**
 * `sra-etl pull`: pulls session reports from an appliance into a destination. With `--from` or
 * `--lsid` it is the vendor guide's API tester (a date range, or given sessions); with neither it is
 * an incremental run that continues where the previous one stopped (what the scheduler runs).
 *
 * This file only registers the command; pull-action.ts (HTTP client, parser, destinations, state
 * store) is imported when it runs.
 */
import type { Command } from 'commander';
import { TYPES_HELP } from '../../../sinks/file/file-sink-options.ts';
import { DEFAULT_STATE_FILE } from '../../state/state-store.ts';
import { addSiteOptions, CREDENTIAL_HELP, type SiteFlags } from './site-options.ts';

/** `pull`'s flags as commander parses them. */
export interface PullFlags extends SiteFlags {
  site: string;
  to: string;
  from?: string;
  days: string;
  lsid?: string;
  initialDays: string;
  windowHours: string;
  overlapMinutes: string;
  state: string;
  hostName?: string;
  json?: boolean;
  verbose?: boolean;
  types?: string;
}

export function registerPull(program: Command): void {
  const command = program
    .command('pull')
    .description('Pull session reports from an appliance into a destination: a date range or given sessions (the guide\'s API tester), or, with neither, everything new since the last run.')
    .requiredOption('--site <host>', 'the appliance\'s host name, e.g. support.example.com (http://127.0.0.1:<port> for the simulator)')
    .requiredOption('--to <destination>', 'where to load the sessions, e.g. sqlite:data/sra.db, postgres://…, mssql://…, file:/srv/sra')
    .option('--product <rs|pra>', 'Remote Support (SupportSession) or Privileged Remote Access (AccessSession)', 'pra')
    .option('--from <date>', 'start of a date range: sessions that began on or after this date (UTC), including those still in progress')
    .option('--days <n>', 'length of the --from range in days', '1')
    .option('--lsid <ids>', 'pull these sessions only (comma-separated session IDs)')
    .option('--initial-days <n>', 'incremental runs: how far back the first run starts', '7')
    .option('--window-hours <n>', 'report window: long ranges are read and committed in windows this long', '24')
    .option('--overlap-minutes <n>', 'incremental runs re-read this much before the last run\'s end, against clock skew', '10')
    .option('--state <file>', 'state database (watermarks, sessions in progress, backfill checkpoints)', DEFAULT_STATE_FILE)
    .option('--host-name <name>', 'the sessions\' host name in the destination, if not the --site host')
    .option('--types <list>', TYPES_HELP, 'sessions')
    .option('--json', 'print the result as JSON')
    .option('--verbose', 'log each window and every retry on stderr');
  addSiteOptions(command)
    .addHelpText('after', `${CREDENTIAL_HELP}

Examples:
  $ SRA_CLIENT_ID=… SRA_CLIENT_SECRET=… sra-etl pull --site support.example.com --product rs --from 2024-12-01 --days 30 --to sqlite:data/sra.db
  $ sra-etl pull --site access.example.com --lsid e9e99aeb9ad54fb381634498502c5a1b --to postgres://etl@db/sra
  $ sra-etl pull --site access.example.com --to sqlite:data/sra.db          # incremental: what is new since the last run
  $ sra-etl pull --site http://127.0.0.1:8940 --client-id sra-etl-simulator --client-secret simulator-secret --to sqlite:/tmp/sim.db
  $ sra-etl pull --site support.example.com --product rs --from 2024-12-01 --to file:/srv/sra --types sessions,recordings,shell-recordings,sms-recordings
  $ SRA_ETL_BACKUP_PASSWORD=… sra-etl pull --site support.example.com --to 'file:/srv/sra?backups.retention=7' --types backups

A range pull interrupted midway resumes at its first unfinished window when run again with the same
--from/--days. Incremental runs never lose a session to clock skew smaller than --overlap-minutes.`)
    .action(async (flags: PullFlags) => {
      const { runPull } = await import('./pull-action.ts');
      await runPull(flags, flags.verbose === true || program.opts<{ verbose?: boolean }>().verbose === true);
    });
}
