/**
 * The `--config` option every configuration-driven command shares. A module of its own so command
 * registration (which runs for every invocation, `--help` included) need not load runtime.ts and,
 * through it, the YAML/JSON Schema loader, the logger and the mailer.
 */

/** The `--config` option: [flags, description] for commander's `.option(...)`. */
export const CONFIG_OPTION = ['-c, --config <file>', 'configuration file (default: $SRA_ETL_CONFIG, else ./sra-etl.yaml)'] as const;
