/**
 * `sra-etl replay <files or folders...> --to <destination>`: loads saved session reports into a
 * destination exactly as a pull would (same parser, same loadReport, any `--to` in the registry).
 *
 * Every file is read to its end or to its damage; a damaged or unreadable file, a rejected session
 * and a session the destination refused each print one line on stderr (`sra-etl: file:line:col:
 * what is wrong`) and make the exit status 1, after everything else has been loaded. Ctrl-C stops
 * and leaves the destination as it was (the open batch is rolled back, no partial file appears).
 *
 * This file only registers the command; replay-action.ts (parser, pipeline, destinations, HTTP
 * client) is imported when it runs.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import type { Product } from '../../records.ts';
import { destinationFactories } from '../../../sinks/destinations.ts';
import { addSiteOptions, CREDENTIAL_HELP, type SiteFlags } from './site-options.ts';

/** Sessions per batch when neither --batch nor the destination chooses. */
export const DEFAULT_BATCH_SESSIONS = 50;

/** `replay`'s flags as commander parses them. */
export type ReplayFlags = Omit<SiteFlags, 'product'> & { to: string; host?: string; product?: Product; types?: string[]; batch?: number; worker?: boolean; jobs?: number; site?: string };

function parseProduct(value: string): Product {
  const product = value.toLowerCase();
  if (product !== 'rs' && product !== 'pra') throw new ConfigError(`--product ${JSON.stringify(value)}: use rs (Remote Support) or pra (Privileged Remote Access)`, { code: 'usage' });
  return product;
}

function parseJobs(value: string): number {
  const jobs = Number(value);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 16) throw new ConfigError(`--jobs ${JSON.stringify(value)}: give a whole number of pipelines from 1 to 16`, { code: 'usage' });
  return jobs;
}

function parseBatch(value: string): number {
  const sessions = Number(value);
  if (!Number.isInteger(sessions) || sessions < 1) throw new ConfigError(`--batch ${JSON.stringify(value)}: give a whole number of sessions, at least 1`, { code: 'usage' });
  return sessions;
}

export function registerReplay(program: Command): void {
  const command = program
    .command('replay')
    .description('Load saved session reports (XML files, folders of them, or - for standard input) into a destination, as a pull would.')
    .argument('<files-or-folders...>', 'report files (any name), folders (every .xml file below them, in name order), or - for standard input')
    .requiredOption('--to <destination>', 'where the records go, e.g. jsonl:out.jsonl, jsonl:- (standard output), file:/srv/sra')
    .option('--host <hostname>', "the site's hostname for every session key (the guide's host_name); default: read from each session's download URLs")
    .option('--product <rs|pra>', 'the product the reports came from (default: PRA when the report has the sra namespace, else unknown)', parseProduct)
    .option('--types <list>', 'file destination: data types to store (default: sessions)', (value: string) => value.split(',').map((type) => type.trim()).filter(Boolean))
    .option('--batch <sessions>', `sessions per batch written to the destination, held in memory whole (default: the destination's choice, JSON Lines 5, else ${DEFAULT_BATCH_SESSIONS})`, parseBatch)
    .option('--worker', 'parse in a worker thread, overlapping parsing with writing (helps slow destinations on multi-core machines)')
    .option('--jobs <n>', 'pipelines loading each report file into SQLite or PostgreSQL at once, each on its own core and connection (default: one per core, at most 4, for a file of 16 MB or more into SQLite; one otherwise)', parseJobs)
    .option('--site <host>', "file destination: the appliance to download the reports' recordings and backups from (with --product and the credentials below), as the guide's API tester does");
  addSiteOptions(command)
    .addHelpText('after', () => {
      const destinations = destinationFactories.map((factory) => `  ${factory.example.padEnd(28)} ${factory.summary}`).join('\n');
      return `
Destinations (--to):
${destinations}

JSON Lines holds one record per line, each with its "kind" (session, event, system_information, user,
customer, team, custom_attribute, survey, session_summary, report_error) and its session "key"
({host, lsid}); a session's records follow it. A file is renamed into place only when the replay
ends, so an interrupted replay leaves no partial file.

Site host: reports do not name the site, so each session's host is read from its chat, recording or
shell download URLs; a session without any (one in progress) takes the host of the session before
it (in its file, else in the file before), else of the next one. Listings, and files where nothing
names the site, need --host.

Each big file into SQLite (16 MB or more; PostgreSQL with --jobs): the file is cut into its sessions (no
parsing) and each session goes, by its lsid, to one of --jobs pipelines (parser, batches, own database
connection), so every copy of a session still loads in report order. A file holding anything but
sessions (listing rows, appliance errors, damage) is then loaded again by one pipeline, which reports
what it found as always. A named pipe (mkfifo) is read as it arrives, by one pipeline; Ctrl-C stops
the replay even while the pipe's writer is silent.

Exit status: 0 everything loaded; 1 a file was damaged, unreadable or needs --host, a session was
rejected, or a file holds an appliance error other than "no data" (one line each on stderr, after
everything else was loaded); 2 usage error; 130 cancelled.

Examples:
  $ sra-etl replay report.xml --to jsonl:-
  $ sra-etl replay saved-reports/ --to jsonl:sessions.jsonl
  $ sra-etl replay listing.xml --to jsonl:- --host support.example.com
  $ curl -s "https://$SITE/api/reporting?..." | sra-etl replay - --to jsonl:- --host "$SITE"
  $ sra-etl replay report.xml --to file:/srv/sra                                     # one XML file per session
  $ SRA_CLIENT_ID=… SRA_CLIENT_SECRET=… sra-etl replay report.xml --to file:/srv/sra \\
      --types sessions,recordings,shell-recordings --site support.example.com --product rs
${CREDENTIAL_HELP}`;
    })
    .action(async (inputs: string[], flags: ReplayFlags) => {
      const { runReplay } = await import('./replay-action.ts');
      await runReplay(inputs, flags);
    });
}
