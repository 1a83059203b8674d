// A small PromQL reader for checking a dashboard against what passthru exposes: it finds the
// metric names an expression selects, the labels its selectors match on, the labels its
// by/without/on/ignoring/group_* clauses name, and the functions it calls. Not a full parser:
// enough to notice a renamed metric, a misspelt label or function, or unbalanced brackets.

export interface ExprRefs {
  /** Metric name -> label names used in its selector braces. */
  metrics: Map<string, Set<string>>;
  /** Labels named by by/without/on/ignoring/group_left/group_right anywhere in the expression. */
  grouping: Set<string>;
  functions: Set<string>;
  /** Syntax problems found on the way. */
  problems: string[];
}

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);
/** Aggregations and functions of PromQL (prometheus/promql/parser/functions.go, aggregations). */
export const FUNCTIONS = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio',
  'abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'day_of_month', 'day_of_week', 'day_of_year',
  'days_in_month', 'delta', 'deriv', 'exp', 'floor', 'histogram_avg', 'histogram_count', 'histogram_fraction', 'histogram_quantile',
  'histogram_stddev', 'histogram_stdvar', 'histogram_sum', 'holt_winters', 'hour', 'idelta', 'increase', 'irate', 'label_join',
  'label_replace', 'ln', 'log2', 'log10', 'minute', 'month', 'predict_linear', 'rate', 'resets', 'round', 'scalar', 'sgn', 'sort',
  'sort_desc', 'sort_by_label', 'sort_by_label_desc', 'sqrt', 'time', 'timestamp', 'vector', 'year', 'avg_over_time', 'min_over_time',
  'max_over_time', 'sum_over_time', 'count_over_time', 'quantile_over_time', 'stddev_over_time', 'stdvar_over_time', 'last_over_time',
  'present_over_time', 'double_exponential_smoothing', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cos', 'cosh', 'sin', 'sinh',
  'tan', 'tanh', 'deg', 'rad', 'pi',
]);

type Kind = 'ident' | 'string' | 'number' | 'punct' | 'op';
interface Token {
  kind: Kind;
  text: string;
}

const PATTERNS: Array<[Kind | 'space', RegExp]> = [
  ['space', /^\s+/],
  ['string', /^"(?:[^"\\]|\\.)*"|^'(?:[^'\\]|\\.)*'|^`[^`]*`/],
  ['number', /^[0-9][0-9a-zA-Z_.]*/], // numbers and durations (5m, 0.95, 1h30m)
  ['ident', /^[a-zA-Z_:][a-zA-Z0-9_:]*/],
  ['punct', /^[(){}[\],]/],
  ['op', /^(?:=~|!~|!=|==|<=|>=|=|<|>|\+|-|\*|\/|%|\^|@)/],
];

/** Grafana's interval variables become a duration; other variables only appear inside strings. */
export function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(?:rate_interval|interval|range)\b/g, '5m');
}

export function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let rest = expr;
  outer: while (rest.length) {
    for (const [kind, re] of PATTERNS) {
      const m = re.exec(rest);
      if (!m) continue;
      if (kind !== 'space') tokens.push({ kind, text: m[0] });
      rest = rest.slice(m[0].length);
      continue outer;
    }
    throw new Error(`cannot read PromQL at "${rest.slice(0, 20)}" in ${expr}`);
  }
  return tokens;
}

export function references(expr: string): ExprRefs {
  const refs: ExprRefs = { metrics: new Map(), grouping: new Set(), functions: new Set(), problems: [] };
  let tokens: Token[];
  try {
    tokens = tokenize(withoutGrafanaVariables(expr));
  } catch (err) {
    refs.problems.push((err as Error).message);
    return refs;
  }
  const depth: string[] = [];
  const closing: Record<string, string> = { ')': '(', '}': '{', ']': '[' };
  for (const t of tokens) {
    if (t.kind !== 'punct' || t.text === ',') continue;
    if ('({['.includes(t.text)) depth.push(t.text);
    else if (depth.pop() !== closing[t.text]) refs.problems.push(`unbalanced "${t.text}" in ${expr}`);
  }
  if (depth.length) refs.problems.push(`unclosed "${depth.join('')}" in ${expr}`);

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.kind === 'punct' && t.text === '[') {
      while (i < tokens.length && tokens[i]!.text !== ']') i++; // a range or subquery: durations only
      continue;
    }
    if (t.kind === 'punct' && t.text === '{') {
      refs.problems.push(`a selector without a metric name in ${expr}`);
      continue;
    }
    if (t.kind !== 'ident') continue;
    const word = t.text;
    if (GROUPING.has(word) && next?.text === '(') {
      for (i += 2; i < tokens.length && tokens[i]!.text !== ')'; i++) if (tokens[i]!.kind === 'ident') refs.grouping.add(tokens[i]!.text);
      continue;
    }
    if (GROUPING.has(word) || KEYWORDS.has(word.toLowerCase())) continue;
    // A call, or an aggregation with its clause first: sum by (x) (...).
    if (next?.text === '(' || (AGGREGATIONS.has(word) && next?.kind === 'ident' && GROUPING.has(next.text))) {
      refs.functions.add(word);
      if (!FUNCTIONS.has(word)) refs.problems.push(`unknown function ${word} in ${expr}`);
      continue;
    }
    const labels = refs.metrics.get(word) ?? new Set<string>();
    refs.metrics.set(word, labels);
    if (next?.text === '{') {
      // name op "value" [, ...] }
      for (i += 2; i < tokens.length && tokens[i]!.text !== '}'; i++) {
        const label = tokens[i]!;
        if (label.kind !== 'ident') continue;
        if (tokens[i + 1]?.kind !== 'op' || tokens[i + 2]?.kind !== 'string') refs.problems.push(`bad matcher at ${label.text} in ${expr}`);
        labels.add(label.text);
        i += 2;
      }
    }
  }
  return refs;
}

/** The labels Prometheus adds to every scraped series; passthru never exposes them itself. */
export const TARGET_LABELS = new Set(['instance', 'job']);

/**
 * Problems with `expr` given what a live passthru exposes: metric name -> its label names
 * (from the sample lines, so histogram _bucket/_count/_sum series are there by their own names).
 */
export function checkExpr(expr: string, exposed: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const refs = references(expr);
  const problems = [...refs.problems];
  if (refs.metrics.size === 0 && !refs.functions.has('time')) problems.push(`no metric in ${expr}`);
  const available = new Set<string>(TARGET_LABELS);
  for (const [metric, labels] of refs.metrics) {
    const has = exposed.get(metric);
    if (!has) {
      problems.push(`metric ${metric} is not exposed by passthru (in ${expr})`);
      continue;
    }
    for (const l of has) available.add(l);
    for (const l of labels) if (!has.has(l) && !TARGET_LABELS.has(l)) problems.push(`metric ${metric} has no label ${l} (in ${expr})`);
  }
  for (const l of refs.grouping) if (!available.has(l)) problems.push(`no metric of the expression has label ${l} (in ${expr})`);
  return problems;
}
