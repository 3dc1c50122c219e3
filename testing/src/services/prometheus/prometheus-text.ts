import { SluiceTestingError } from '../../errors.ts';

/**
 * One sample of the Prometheus text exposition format.
 *
 * @example
 * ```ts
 * const sample: PrometheusSample = { name: 'sluice_operator_records_out_total', labels: { operator: 'parse' }, value: 42 };
 * ```
 */
export interface PrometheusSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestampMs?: number;
}

/**
 * A metric family: its `# TYPE` and `# HELP` and its samples (for histograms and summaries also
 * the `_bucket`, `_sum`, `_count` samples).
 *
 * @example
 * ```ts
 * const family = families.get('process_cpu_seconds_total');
 * family?.type; // 'counter'
 * ```
 */
export interface PrometheusFamily {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string | undefined;
  readonly samples: PrometheusSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES = ['_bucket', '_sum', '_count', '_created', '_total'];

function malformed(lineNumber: number, line: string, why: string): SluiceTestingError {
  return new SluiceTestingError(
    'INVALID_CONFIGURATION',
    `Malformed Prometheus text at line ${lineNumber} (${why}): ${JSON.stringify(line)}`,
    { domain: 'external', retriable: false },
  );
}

/** As Prometheus (Go's ParseFloat): `NaN`, `+Inf`, `-Inf` in any letter case. */
function parseValue(text: string): number | undefined {
  if (/^nan$/i.test(text)) return Number.NaN;
  const inf = /^([+-]?)inf(inity)?$/i.exec(text);
  if (inf !== null) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  return Number.isNaN(value) ? undefined : value;
}

/** Parses `{a="x",b="y\"z"}` starting at `at` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, at: number, lineNumber: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  let i = at + 1;
  const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/;
  for (;;) {
    while (line[i] === ' ') i++;
    if (line[i] === '}') return [labels, i + 1];
    const name = labelName.exec(line.slice(i))?.[0];
    if (name === undefined) throw malformed(lineNumber, line, 'bad label name');
    i += name.length;
    if (line[i] !== '=' || line[i + 1] !== '"') throw malformed(lineNumber, line, `label ${name} has no ="value"`);
    i += 2;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw malformed(lineNumber, line, 'unterminated label value');
      if (c === '"') break;
      if (c === '\\') {
        const next = line[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw malformed(lineNumber, line, `bad escape \\${next ?? ''}`);
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    if (name in labels) throw malformed(lineNumber, line, `label ${name} repeats`);
    labels[name] = value;
    i++;
    while (line[i] === ' ') i++;
    if (line[i] === ',') i++;
    else if (line[i] !== '}') throw malformed(lineNumber, line, 'expected , or }');
  }
}

/**
 * Parses the Prometheus text exposition format (version 0.0.4) into families by name, strictly:
 * a malformed line throws. Samples without a `# TYPE` form an `untyped` family.
 *
 * @example
 * ```ts
 * const families = parsePrometheusText(await (await fetch(`${url}/metrics`)).text());
 * expect(families.get('sluice_job_status')?.type).toBe('gauge');
 * ```
 */
export function parsePrometheusText(text: string): Map<string, PrometheusFamily> {
  const families = new Map<string, PrometheusFamily>();
  const family = (name: string): PrometheusFamily => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, type: 'untyped', help: undefined, samples: [] };
      families.set(name, f);
    }
    return f;
  };
  const familyOfSample = (sampleName: string): PrometheusFamily => {
    if (families.has(sampleName)) return family(sampleName);
    for (const suffix of SUFFIXES) {
      if (!sampleName.endsWith(suffix)) continue;
      const base = sampleName.slice(0, -suffix.length);
      const f = families.get(base);
      if (
        f !== undefined &&
        (f.type === 'histogram' || f.type === 'summary' || suffix === '_total' || suffix === '_created')
      )
        return f;
    }
    return family(sampleName);
  };
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trimEnd();
    const lineNumber = index + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const meta = new RegExp(`^#\\s+(HELP|TYPE)\\s+(${NAME})(?:\\s+(.*))?$`).exec(line);
      if (meta === null) return; // a plain comment
      const [, kind, name, rest = ''] = meta as unknown as [string, string, string, string | undefined];
      const f = family(name);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw malformed(lineNumber, line, `unknown type ${rest}`);
        if (f.samples.length > 0) throw malformed(lineNumber, line, 'TYPE after samples');
        families.set(name, { ...f, type: rest as PrometheusFamily['type'] });
      } else {
        families.set(name, { ...f, help: rest.replaceAll('\\n', '\n').replaceAll('\\\\', '\\') });
      }
      return;
    }
    const nameMatch = new RegExp(`^${NAME}`).exec(line);
    if (nameMatch === null) throw malformed(lineNumber, line, 'no metric name');
    const name = nameMatch[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') [labels, i] = parseLabels(line, i, lineNumber);
    const parts = line.slice(i).trim().split(/\s+/);
    if (parts.length < 1 || parts.length > 2 || parts[0] === '') throw malformed(lineNumber, line, 'expected a value');
    const value = parseValue(parts[0] as string);
    if (value === undefined) throw malformed(lineNumber, line, `bad value ${parts[0]}`);
    const sample: PrometheusSample =
      parts[1] === undefined ? { name, labels, value } : { name, labels, value, timestampMs: Number(parts[1]) };
    familyOfSample(name).samples.push(sample);
  });
  return families;
}

/**
 * The value of the one sample named `name` whose labels include `labels`; `undefined` if none
 * matches; throws if several do (say more labels).
 *
 * @example
 * ```ts
 * sampleValue(families, 'sluice_operator_records_out_total', { operator: 'payments' }); // 1200
 * ```
 */
export function sampleValue(
  families: ReadonlyMap<string, PrometheusFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const matches: PrometheusSample[] = [];
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) matches.push(s);
    }
  }
  if (matches.length > 1) {
    throw new SluiceTestingError(
      'INVALID_CONFIGURATION',
      `${matches.length} samples of ${name} match ${JSON.stringify(labels)}; give more labels.`,
      { domain: 'user', retriable: false },
    );
  }
  return matches[0]?.value;
}
