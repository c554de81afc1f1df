/**
 * What `sra-etl test-site` does (registered in test-site.ts): the checks, one line each, and the
 * exit status.
 */
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { EtlError } from '../../errors.ts';
import type { Product } from '../../records.ts';
import { reportErrorKind } from '../../report-error-kind.ts';
import { readAll, type ApplianceClient } from '../../../stages/sources/appliance/appliance-client.ts';
import { findApplianceError } from '../../../stages/sources/appliance/appliance-error.ts';
import { networkFailure } from '../../../stages/sources/appliance/http-failure.ts';
import { listingCall, sessionReportCall } from '../../../stages/sources/appliance/report-source.ts';
import { parseSiteAddress, type SiteAddress } from '../../../stages/sources/appliance/site-address.ts';
import { stderrLogger } from '../stderr-logger.ts';
import { clientFrom } from './site-client.ts';
import { productFrom, type SiteFlags } from './site-options.ts';

type Outcome = 'ok' | 'warn' | 'fail';

interface Check {
  readonly outcome: Outcome;
  readonly name: string;
  readonly detail: string;
}

const MARK: Readonly<Record<Outcome, string>> = { ok: '✓', warn: '!', fail: '✗' };

function print(check: Check): void {
  process.stdout.write(`  ${MARK[check.outcome]} ${check.name.padEnd(22)} ${check.detail}\n`);
}

function port(site: SiteAddress): number {
  return Number(site.baseUrl.port || (site.secure ? 443 : 80));
}

async function checkReachable(site: SiteAddress, timeoutMs: number): Promise<Check> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: site.baseUrl.hostname.replace(/^\[|\]$/g, ''), port: port(site) });
    const finish = (check: Check) => {
      socket.destroy();
      resolve(check);
    };
    socket.setTimeout(timeoutMs, () => finish({ outcome: 'fail', name: 'reachable', detail: `no answer from ${site.host} within ${timeoutMs / 1000} s: a firewall may drop the traffic, or the address is wrong` }));
    socket.once('connect', () => finish({ outcome: 'ok', name: 'reachable', detail: `${site.host} accepts connections (${Math.round(performance.now() - started)} ms)` }));
    socket.once('error', (error) => finish({ outcome: 'fail', name: 'reachable', detail: networkFailure(error, site.host, 'connect').message.replace(`${site.host}: connect: `, '') }));
  });
}

async function checkTls(site: SiteAddress, flags: SiteFlags): Promise<Check> {
  const extra = flags.ca === undefined ? [] : [readFileSync(flags.ca, 'utf8')];
  return new Promise((resolve) => {
    const hostname = site.baseUrl.hostname.replace(/^\[|\]$/g, '');
    const socket = tls.connect({
      host: hostname, port: port(site), rejectUnauthorized: false,
      ...(net.isIP(hostname) === 0 ? { servername: hostname } : {}),
      ...(extra.length > 0 ? { ca: [...tls.rootCertificates, ...extra] } : {}),
    });
    socket.setTimeout(15_000, () => {
      socket.destroy();
      resolve({ outcome: 'fail', name: 'TLS', detail: 'the TLS handshake did not complete within 15 s' });
    });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const daysLeft = Math.floor((Date.parse(cert.valid_to) - Date.now()) / 86_400_000);
      const about = `certificate for ${cert.subject?.CN ?? '?'} issued by ${cert.issuer?.CN ?? cert.issuer?.O ?? '?'}, valid until ${new Date(cert.valid_to).toISOString().slice(0, 10)}`;
      const altError = tls.checkServerIdentity(hostname, cert);
      // authorizationError carries the OpenSSL reason as its message; give it the code the explanations key on.
      const authError = socket.authorizationError === undefined || socket.authorizationError === null
        ? undefined
        : Object.assign(new Error(String(socket.authorizationError)), { code: (socket.authorizationError as { code?: string }).code ?? String(socket.authorizationError) });
      const problem = authError ?? altError;
      socket.destroy();
      if (problem !== undefined) {
        const explained = networkFailure(problem, site.host, 'TLS').message.replace(`${site.host}: TLS: `, '');
        resolve({ outcome: flags.insecure === true ? 'warn' : 'fail', name: 'TLS', detail: `${about}; ${explained}${flags.insecure === true ? ' (ignored: --insecure)' : ''}` });
      } else if (daysLeft < 30) {
        resolve({ outcome: 'warn', name: 'TLS', detail: `${about}: expires in ${daysLeft} day(s); renew it on the appliance` });
      } else {
        resolve({ outcome: 'ok', name: 'TLS', detail: `${about} (${daysLeft} days left)` });
      }
    });
    socket.once('error', (error) => resolve({ outcome: 'fail', name: 'TLS', detail: networkFailure(error, site.host, 'TLS').message.replace(`${site.host}: TLS: `, '') }));
  });
}

function explain(error: unknown): string {
  return error instanceof EtlError ? error.message.replace(/^[^:]+:\d*:? ?[^:]*: /, '') : String(error);
}

/** Reads the first KB of a report and says whether the account may read it. */
async function checkReport(client: ApplianceClient, product: Product, listing: boolean): Promise<Check & { readonly wrongProduct: boolean }> {
  const now = Math.floor((client.applianceNow() ?? Date.now()) / 1000);
  const window = { start: now - 3600, seconds: 3600 };
  const call = listing ? listingCall(product, window) : sessionReportCall({ product, window });
  const name = call.label.split(' ')[0] ?? call.label;
  try {
    const response = await client.open(call);
    const head = await readAll(response.body, 64 * 1024);
    response.body.destroy();
    const error = findApplianceError(head);
    if (error === undefined || reportErrorKind(error.message, error.code) === 'no_data') {
      return { outcome: 'ok', name, detail: 'readable', wrongProduct: false };
    }
    const kind = reportErrorKind(error.message, error.code);
    if (kind === 'forbidden') return { outcome: 'fail', name, detail: `not permitted: "${error.message}"; give the API account access to ${listing ? 'session listings' : 'session reports'} on the appliance`, wrongProduct: false };
    if (kind === 'auth') return { outcome: 'fail', name, detail: `login refused: "${error.message}"; check the credentials`, wrongProduct: false };
    return { outcome: 'fail', name, detail: `the appliance answered: "${error.message}"`, wrongProduct: /generate_report|report type/i.test(error.message) };
  } catch (error) {
    return { outcome: 'fail', name, detail: explain(error), wrongProduct: false };
  }
}

function checkClock(client: ApplianceClient, overlapMinutes: number): Check {
  const offset = client.clockOffsetMs;
  if (offset === undefined) return { outcome: 'warn', name: 'clock', detail: 'the appliance sent no Date header; the clock offset is unknown' };
  const seconds = Math.abs(offset) / 1000;
  const relation = offset >= 0 ? `this machine is ${seconds.toFixed(0)} s behind the appliance` : `this machine is ${seconds.toFixed(0)} s AHEAD of the appliance`;
  if (offset < -overlapMinutes * 60_000) {
    return { outcome: 'fail', name: 'clock', detail: `${relation}: more than the ${overlapMinutes}-minute overlap; sync both clocks with the same NTP server (the guide warns a fast local clock loses data)` };
  }
  if (seconds < 1.5) return { outcome: 'ok', name: 'clock', detail: 'in step with the appliance (within the 1 s resolution of its Date header)' };
  if (seconds > 60) return { outcome: 'warn', name: 'clock', detail: `${relation}; sra-etl compensates (overlap and the appliance's clock), but sync both clocks with NTP` };
  return { outcome: 'ok', name: 'clock', detail: relation };
}

/** Checks `host` step by step, printing one line per check; exit code 1 when a check failed. */
export async function testSite(host: string, flags: SiteFlags): Promise<void> {
  const site = parseSiteAddress(host, '<host>');
  const checks: Check[] = [];
  const record = (check: Check) => {
    checks.push(check);
    print(check);
  };
  process.stdout.write(`testing ${site.baseUrl.href}\n`);
  record(await checkReachable(site, 10_000));
  if (checks.at(-1)?.outcome === 'fail') {
    process.exitCode = 1;
    return;
  }
  if (site.secure) {
    record(await checkTls(site, flags));
    if (checks.at(-1)?.outcome === 'fail') {
      process.exitCode = 1;
      return;
    }
  } else {
    record({ outcome: 'warn', name: 'TLS', detail: 'plain HTTP: only the local simulator should be addressed this way' });
  }
  const client = clientFrom(host, flags, stderrLogger(false));
  try {
    if (client.legacy) {
      record({ outcome: 'ok', name: 'authentication', detail: 'username/password (legacy .ns endpoints); checked with the reports below' });
    } else {
      try {
        await client.authenticate();
        record({ outcome: 'ok', name: 'authentication', detail: 'OAuth token issued for the client ID' });
      } catch (error) {
        record({ outcome: 'fail', name: 'authentication', detail: explain(error) });
        process.exitCode = 1;
        return;
      }
    }
    const products: Product[] = flags.product === undefined ? ['pra', 'rs'] : [productFrom(flags.product)];
    const results: { product: Product; checks: (Check & { wrongProduct: boolean })[] }[] = [];
    for (const product of products) results.push({ product, checks: [await checkReport(client, product, false), await checkReport(client, product, true)] });
    const usable = results.filter((r) => !r.checks.every((c) => c.wrongProduct));
    for (const result of results) {
      const notThisProduct = flags.product === undefined && result.checks.every((c) => c.wrongProduct) && usable.length > 0;
      for (const check of result.checks) {
        record(notThisProduct ? { outcome: 'ok', name: check.name, detail: `not offered: this is not a ${result.product === 'rs' ? 'Remote Support' : 'Privileged Remote Access'} site` } : check);
      }
    }
    if (usable.length === 1 && flags.product === undefined) {
      const product = usable[0]?.product === 'rs' ? 'Remote Support (--product rs)' : 'Privileged Remote Access (--product pra)';
      process.stdout.write(`  this site is ${product}\n`);
    }
    record({ outcome: 'warn', name: 'recordings, backups', detail: 'not tried: that would download files; sessions with recordings are fetched by `pull` into a file destination' });
    record(checkClock(client, 10));
  } finally {
    await client.close();
  }
  const failed = checks.filter((c) => c.outcome === 'fail').length;
  process.stdout.write(failed === 0 ? 'all checks passed\n' : `${failed} check(s) failed\n`);
  if (failed > 0) process.exitCode = 1;
}
