/**
 * Runs the sra-etl CLI in this process and, when it exits, prints its peak resident set size on
 * stderr as `SRA_ETL_PEAK_RSS_KB=<n>`: the memory test measures inside the child, as the CLI runs
 * (the child's own peak, not the test worker's it was spawned from: see peak-rss.ts).
 *
 *   node test/helpers/cli-with-peak-rss.ts replay big.xml --to jsonl:out.jsonl
 */
import { peakRssBytes } from './peak-rss.ts';

process.on('exit', () => {
  process.stderr.write(`\nSRA_ETL_PEAK_RSS_KB=${Math.round(peakRssBytes() / 1024)}\n`);
});
process.argv.splice(1, 1, new URL('../../src/cli/main.ts', import.meta.url).pathname);
await import('../../src/cli/main.ts');
