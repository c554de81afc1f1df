/**
 * Validates a parsed configuration against the published JSON Schema (ajv) and turns ajv's errors
 * into messages an operator can act on: the key path, the line and column in the YAML file, what
 * was expected (the schema's `x-expected` text, enum values, allowed keys with a did-you-mean) and
 * what was found (never for secret keys).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import schema from './sra-etl.schema.json' with { type: 'json' };
import { keyPathFromPointer, type KeyPath, type YamlLocator } from './yaml-locator.ts';

interface LocatedProblem {
  readonly path: KeyPath;
  readonly message: string;
  readonly atKey?: boolean;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTypes: false, allowUnionTypes: true });
  // Our own annotation: what a value should look like, used in error messages.
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  compiled = ajv.compile(schema);
  return compiled;
}

/** The published schema, for `config schema` and tests. */
export const configSchema: unknown = schema;

const SECRET_KEY = /secret|password/i;

function describeValue(value: unknown, path: KeyPath): string {
  const last = path[path.length - 1];
  if (typeof last === 'string' && SECRET_KEY.test(last)) return 'a value (not shown: it is a secret)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return `${typeof value} ${String(value)}`;
}

function expectation(schemaObject: unknown): string | undefined {
  if (schemaObject === null || typeof schemaObject !== 'object') return undefined;
  const s = schemaObject as Record<string, unknown>;
  if (typeof s['x-expected'] === 'string') return s['x-expected'];
  if (Array.isArray(s.enum)) return `one of: ${s.enum.join(', ')}`;
  if (typeof s.$ref === 'string') {
    const target = s.$ref.replace('#/definitions/', '');
    return expectation((schema.definitions as Record<string, unknown>)[target]);
  }
  if (typeof s.description === 'string') return s.description.split(/(?<=\.)\s/)[0];
  return undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number;
      row[j] = Math.min(current + 1, (row[j - 1] as number) + 1, previous + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] as number;
}

/** The closest known name, when it is close enough to be a likely typo. */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function problemFor(error: ErrorObject, data: unknown): LocatedProblem | undefined {
  const path = keyPathFromPointer(error.instancePath, data);
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  const expected = typeof parent?.['x-expected'] === 'string' ? parent['x-expected'] : undefined;
  const got = () => describeValue(error.data, path);
  if (error.propertyName !== undefined) {
    return { path: [...path, error.propertyName], atKey: true, message: `${JSON.stringify(error.propertyName)} is not a valid name: expected ${expectation(schema.definitions.name)}` };
  }
  switch (error.keyword) {
    case 'if':
    case 'propertyNames':
      return undefined; // reported through the errors they wrap
    case 'required': {
      const missing = (error.params as { missingProperty: string }).missingProperty;
      const properties = (parent?.properties ?? {}) as Record<string, unknown>;
      const hint = expectation(properties[missing]);
      return { path: [...path, missing], message: `is required${hint ? `: ${hint}` : ''}` };
    }
    case 'additionalProperties': {
      const extra = (error.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((parent?.properties ?? {}) as Record<string, unknown>);
      const guess = didYouMean(extra, allowed);
      const suggestion = guess ? ` (did you mean "${guess}"?)` : '';
      return { path: [...path, extra], atKey: true, message: `unknown key${suggestion}; allowed here: ${allowed.join(', ')}` };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues;
      const guess = typeof error.data === 'string' ? didYouMean(error.data, allowed.map(String)) : undefined;
      return { path, message: `must be one of: ${allowed.join(', ')} (got ${got()}${guess ? `; did you mean "${guess}"?` : ''})` };
    }
    case 'type': {
      const type = (error.params as { type: string }).type;
      const noun = expected ?? `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type === 'object' ? 'map' : type === 'array' ? 'list' : type}`;
      return { path, message: `must be ${noun} (got ${got()})` };
    }
    case 'oneOf':
    case 'anyOf':
      return { path, message: `must be ${expected ?? 'one of the allowed forms'} (got ${got()})` };
    case 'uniqueItems': {
      const { i, j } = error.params as { i: number; j: number };
      return { path, message: `lists the same value twice (items ${j} and ${i}); list each once` };
    }
    default:
      return { path, message: expected ? `must be ${expected} (got ${got()})` : `${error.message ?? 'is not valid'} (got ${got()})` };
  }
}

/** Errors inside a oneOf/anyOf are summarised by that oneOf's own message. */
function withoutBranchNoise(errors: readonly ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  return errors.filter((error) => {
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf') return true;
    return !unions.some((union) => error.instancePath.startsWith(union.instancePath) && error.schemaPath.startsWith(`${union.schemaPath}/`));
  });
}

/**
 * Validates `data` (the YAML as plain values). Returns located messages, one per problem, in file
 * order; an empty list means the file matches the schema.
 */
export function schemaProblems(data: unknown, locator: YamlLocator): string[] {
  const validate = validator();
  if (validate(data)) return [];
  const seen = new Set<string>();
  const located: { line: number; column: number; text: string }[] = [];
  for (const error of withoutBranchNoise(validate.errors ?? [])) {
    const problem = problemFor(error, data);
    if (!problem) continue;
    const text = locator.describe(problem.path, problem.message, { atKey: problem.atKey });
    if (seen.has(text)) continue;
    seen.add(text);
    const position = locator.position(problem.path, { atKey: problem.atKey });
    located.push({ line: position?.line ?? 0, column: position?.column ?? 0, text });
  }
  located.sort((a, b) => a.line - b.line || a.column - b.column);
  return located.map((entry) => entry.text);
}
