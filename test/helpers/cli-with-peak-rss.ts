/**
 * Runs the sra-etl CLI in this process and, when it exits, prints its peak resident set size on
 * stderr as `SRA_ETL_PEAK_RSS_KB=<n>`: the memory test measures inside the child, as the CLI runs.
 *
 *   node test/helpers/cli-with-peak-rss.ts replay big.xml --to jsonl:out.jsonl
 */
process.on('exit', () => {
  process.stderr.write(`\nSRA_ETL_PEAK_RSS_KB=${process.resourceUsage().maxRSS}\n`);
});
process.argv.splice(1, 1, new URL('../../src/cli/main.ts', import.meta.url).pathname);
await import('../../src/cli/main.ts');
