/** SessionBundles with their appliance XML (`rawXml`), as the parser gives them to the file sink. */
import { planSession } from '../../fixtures/generator/generate-report.ts';
import { reportFooter, reportHeader, sessionXml } from '../../fixtures/generator/report-xml.ts';
import { syntheticSession } from '../../fixtures/generator/synthetic-session.ts';
import type { Product, SessionBundle, SessionRecord } from '../../src/records.ts';

export interface BundleOptions {
  readonly product?: Product;
  readonly host?: string;
  readonly seed?: string | number;
  /** Render sessions as the appliance would at this UNIX time (sessions not ended yet are in progress). */
  readonly asOf?: number;
}

/** The session's XML document the way the file sink receives it: list root, declaration, namespace. */
export function withRawXml(bundle: SessionBundle, product: Product): SessionBundle {
  const rawXml = reportHeader(product) + sessionXml(bundle, { product }) + reportFooter();
  return { ...bundle, rawXml, xmlBytes: Buffer.byteLength(rawXml) };
}

export function sessionBundle(index: number, options: BundleOptions = {}): SessionBundle {
  const product = options.product ?? 'pra';
  const plan = planSession({ seed: options.seed ?? 5, product, host: options.host ?? 'support.example.com' }, index);
  return withRawXml(syntheticSession({ ...plan, ...(options.asOf === undefined ? {} : { asOf: options.asOf }) }), product);
}

export function sessionBundles(count: number, options: BundleOptions = {}): SessionBundle[] {
  return Array.from({ length: count }, (_, index) => sessionBundle(index, options));
}

/** A bundle with some session fields replaced (hostile values, say), its XML rendered again. */
export function withSession(bundle: SessionBundle, patch: Partial<SessionRecord>): SessionBundle {
  const session = { ...bundle.session, ...patch };
  return withRawXml({ ...bundle, session }, session.product ?? 'pra');
}
