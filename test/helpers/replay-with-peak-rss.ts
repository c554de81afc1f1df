/**
 * Runs the `replay` command's implementation (replayReports, default options) in this process and
 * prints its peak resident set size on stderr as `SRA_ETL_PEAK_RSS_KB=<n>`, for the memory test.
 * It leaves out commander and the other commands' modules, which the CLI loads up front (about
 * 50 MB that no replay uses), so the figure is the replay's own.
 *
 *   node test/helpers/replay-with-peak-rss.ts <report.xml> <destination>
 */
import { replayReports } from '../../src/cli/commands/replay.ts';

const [input, to] = process.argv.slice(2);
if (input === undefined || to === undefined) throw new Error('usage: replay-with-peak-rss.ts <report.xml> <destination>');
process.exitCode = await replayReports({ inputs: [input], to });
process.stderr.write(`SRA_ETL_PEAK_RSS_KB=${process.resourceUsage().maxRSS}\n`);
