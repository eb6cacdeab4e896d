/**
 * A deliberately small renderer for the Go-template subset the Deckhand chart uses, so a test can render the
 * chart without helm. Anything outside the subset is refused with an error rather than guessed at:
 *
 * - text, `{{ pipeline }}`, trim markers `{{- ` and ` -}}`, comments `{{/* … *\/}}`;
 * - `if` / `else` / `end`, `range <list>` / `end` (dot is the item, `$` the root), `define "name"` / `end`;
 * - operands: `.`, `$`, fields (`.Values.a.b`, `$.Release.Name`), "strings", integers, `( pipeline )`;
 * - functions (helm's semantics): include, toYaml, nindent, indent, quote, default, trunc, trimSuffix,
 *   sha256sum, list.
 *
 * Printing a missing value is an error (helm would print nothing), so a mistyped value path fails the test.
 */
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

type Token =
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'field'; root: '.' | '$'; path: string[] }
  | { t: 'ident'; v: string }
  | { t: 'pipe' }
  | { t: 'lparen' }
  | { t: 'rparen' };

type Cmd = { fn: string; args: Operand[] } | { operand: Operand };
type Operand = Token | { t: 'sub'; pipeline: Cmd[] };
type Node =
  | { k: 'text'; v: string }
  | { k: 'out'; pipeline: Cmd[] }
  | { k: 'if'; cond: Cmd[]; then: Node[]; else: Node[] }
  | { k: 'range'; over: Cmd[]; body: Node[] };

interface Scope {
  dot: unknown;
  root: unknown;
}

export class TemplateError extends Error {}

const FUNCTIONS = new Set(['include', 'toYaml', 'nindent', 'indent', 'quote', 'default', 'trunc', 'trimSuffix', 'sha256sum', 'list']);

/** Splits a template into text and actions, applying the trim markers. */
function lex(src: string, file: string): Array<{ text: string } | { action: string }> {
  const parts: Array<{ text: string } | { action: string }> = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open === -1 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      parts.push({ text });
      break;
    }
    const trimLeft = src.startsWith('{{- ', open) || src.startsWith('{{-\n', open);
    if (trimLeft) text = text.replace(/\s+$/, '');
    parts.push({ text });
    let j = open + (trimLeft ? 3 : 2);
    let inString = false;
    let close = -1;
    for (; j < src.length; j++) {
      const c = src[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (src.startsWith('}}', j)) {
        close = j;
        break;
      }
    }
    if (close === -1) throw new TemplateError(`${file}: unclosed action at offset ${open}`);
    let body = src.slice(open + (trimLeft ? 3 : 2), close);
    trimNext = /\s-$/.test(body);
    if (trimNext) body = body.slice(0, -2);
    body = body.trim();
    if (!(body.startsWith('/*') && body.endsWith('*/'))) parts.push({ action: body });
    i = close + 2;
  }
  return parts;
}

function tokenize(action: string, file: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < action.length) {
    const c = action[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '|') {
      tokens.push({ t: 'pipe' });
      i++;
    } else if (c === '(') {
      tokens.push({ t: 'lparen' });
      i++;
    } else if (c === ')') {
      tokens.push({ t: 'rparen' });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < action.length && action[j] !== '"') j += action[j] === '\\' ? 2 : 1;
      if (j >= action.length) throw new TemplateError(`${file}: unterminated string in {{ ${action} }}`);
      tokens.push({ t: 'str', v: JSON.parse(action.slice(i, j + 1)) as string });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(action.slice(i)) as RegExpExecArray;
      tokens.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (c === '.' || c === '$') {
      const m = /^[.$](?:[A-Za-z_][A-Za-z0-9_]*)?(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(action.slice(i)) as RegExpExecArray;
      const text = m[0];
      const root = text.startsWith('$') ? '$' : '.';
      const rest = root === '$' ? text.slice(1) : text;
      tokens.push({ t: 'field', root, path: rest.split('.').filter(Boolean) });
      i += text.length;
    } else if (/[A-Za-z]/.test(c)) {
      const m = /^[A-Za-z][A-Za-z0-9_]*/.exec(action.slice(i)) as RegExpExecArray;
      tokens.push({ t: 'ident', v: m[0] });
      i += m[0].length;
    } else {
      throw new TemplateError(`${file}: unsupported character ${JSON.stringify(c)} in {{ ${action} }}`);
    }
  }
  return tokens;
}

function parsePipeline(tokens: Token[], file: string, action: string): Cmd[] {
  let pos = 0;
  const pipeline = (): Cmd[] => {
    const cmds: Cmd[] = [];
    for (;;) {
      const words: Operand[] = [];
      while (pos < tokens.length && tokens[pos]?.t !== 'pipe' && tokens[pos]?.t !== 'rparen') {
        const tok = tokens[pos++] as Token;
        if (tok.t === 'lparen') {
          const inner = pipeline();
          if (tokens[pos]?.t !== 'rparen') throw new TemplateError(`${file}: missing ) in {{ ${action} }}`);
          pos++;
          words.push({ t: 'sub', pipeline: inner });
        } else words.push(tok);
      }
      const [head, ...args] = words;
      if (head === undefined) throw new TemplateError(`${file}: empty command in {{ ${action} }}`);
      if (head.t === 'ident') {
        if (!FUNCTIONS.has(head.v)) throw new TemplateError(`${file}: function ${head.v} is not supported by this renderer`);
        cmds.push({ fn: head.v, args });
      } else {
        if (args.length) throw new TemplateError(`${file}: ${JSON.stringify(action)}: arguments after a value`);
        cmds.push({ operand: head });
      }
      if (tokens[pos]?.t !== 'pipe') return cmds;
      pos++;
    }
  };
  const result = pipeline();
  if (pos !== tokens.length) throw new TemplateError(`${file}: unexpected ) in {{ ${action} }}`);
  return result;
}

interface Parsed {
  nodes: Node[];
  defines: Map<string, Node[]>;
}

function parse(src: string, file: string): Parsed {
  const parts = lex(src, file);
  const defines = new Map<string, Node[]>();
  let pos = 0;
  // Reads nodes up to an `end` or `else` (returned as the stopper), or to the end of the input at top level.
  const block = (inside: string | null): { nodes: Node[]; stop: 'end' | 'else' | null } => {
    const nodes: Node[] = [];
    while (pos < parts.length) {
      const part = parts[pos++] as { text: string } | { action: string };
      if ('text' in part) {
        if (part.text) nodes.push({ k: 'text', v: part.text });
        continue;
      }
      const action = part.action;
      const [word, ...rest] = action.split(/\s+/);
      const restText = rest.join(' ');
      if (word === 'end' || word === 'else') {
        if (inside === null) throw new TemplateError(`${file}: {{ ${action} }} outside a block`);
        if (word === 'else' && restText) throw new TemplateError(`${file}: "else if" is not supported by this renderer`);
        return { nodes, stop: word };
      }
      if (word === 'if') {
        const cond = parsePipeline(tokenize(restText, file), file, action);
        const then = block('if');
        const otherwise = then.stop === 'else' ? block('if') : { nodes: [], stop: 'end' as const };
        if (otherwise.stop !== 'end') throw new TemplateError(`${file}: {{ if }} without {{ end }}`);
        nodes.push({ k: 'if', cond, then: then.nodes, else: otherwise.nodes });
      } else if (word === 'range') {
        if (/^\$\w+\s*(,|:=)/.test(restText)) throw new TemplateError(`${file}: range variables are not supported by this renderer`);
        const over = parsePipeline(tokenize(restText, file), file, action);
        const body = block('range');
        if (body.stop !== 'end') throw new TemplateError(`${file}: {{ range }} with {{ else }} is not supported by this renderer`);
        nodes.push({ k: 'range', over, body: body.nodes });
      } else if (word === 'define') {
        if (inside !== null) throw new TemplateError(`${file}: {{ define }} inside a block`);
        const name = /^"([^"]+)"$/.exec(restText)?.[1];
        if (!name) throw new TemplateError(`${file}: {{ ${action} }}: define needs a quoted name`);
        const body = block('define');
        if (body.stop !== 'end') throw new TemplateError(`${file}: {{ define "${name}" }} without {{ end }}`);
        defines.set(name, body.nodes);
      } else if (['with', 'template', 'block', 'break', 'continue'].includes(word ?? '') || /^\$\w+\s*:?=/.test(action)) {
        throw new TemplateError(`${file}: {{ ${action} }} is not supported by this renderer`);
      } else {
        nodes.push({ k: 'out', pipeline: parsePipeline(tokenize(action, file), file, action) });
      }
    }
    if (inside !== null) throw new TemplateError(`${file}: {{ ${inside} }} without {{ end }}`);
    return { nodes, stop: null };
  };
  const { nodes } = block(null);
  return { nodes, defines };
}

/** Go template truthiness: false, 0, nil, and empty strings, lists and maps are false. */
function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

function describe(op: Operand): string {
  if (op.t === 'field') return `${op.root === '$' ? '$' : ''}.${op.path.join('.')}`;
  return op.t;
}

function print(v: unknown, what: string): string {
  if (v === undefined || v === null) throw new TemplateError(`no value for ${what}`);
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(`${what} is a ${Array.isArray(v) ? 'list' : 'map'}, not printable (use toYaml)`);
}

const asString = (v: unknown, fn: string): string => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new TemplateError(`${fn} needs a string, got ${v === undefined ? 'no value' : typeof v}`);
};
const asInt = (v: unknown, fn: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TemplateError(`${fn} needs an integer`);
  return v;
};

export interface ChartContext {
  Values: Record<string, unknown>;
  Release: { Name: string; Namespace: string; Service: string };
  Chart: Record<string, unknown>;
}

export class ChartRenderer {
  private readonly defines = new Map<string, Node[]>();

  /** helpers: the chart's `_*.tpl` files (their defines). */
  constructor(helpers: Array<{ file: string; source: string }>) {
    for (const h of helpers) {
      const parsed = parse(h.source, h.file);
      if (parsed.nodes.some((n) => n.k !== 'text' || n.v.trim() !== '')) throw new TemplateError(`${h.file}: a helper file may hold only defines`);
      for (const [name, body] of parsed.defines) this.defines.set(name, body);
    }
  }

  render(file: string, source: string, context: ChartContext): string {
    const parsed = parse(source, file);
    if (parsed.defines.size) throw new TemplateError(`${file}: defines belong in _helpers.tpl`);
    try {
      return this.nodes(parsed.nodes, { dot: context, root: context });
    } catch (err) {
      if (err instanceof TemplateError) throw new TemplateError(`${file}: ${err.message}`);
      throw err;
    }
  }

  private nodes(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const n of nodes) {
      if (n.k === 'text') out += n.v;
      else if (n.k === 'out') out += print(this.pipeline(n.pipeline, scope), this.what(n.pipeline));
      else if (n.k === 'if') out += this.nodes(truthy(this.pipeline(n.cond, scope)) ? n.then : n.else, scope);
      else {
        const list = this.pipeline(n.over, scope);
        if (list === undefined || list === null) continue;
        if (!Array.isArray(list)) throw new TemplateError(`range over ${this.what(n.over)}: only lists are supported`);
        for (const item of list) out += this.nodes(n.body, { dot: item, root: scope.root });
      }
    }
    return out;
  }

  private what(pipeline: Cmd[]): string {
    const first = pipeline[0];
    if (first === undefined) return 'an empty pipeline';
    return 'fn' in first ? first.fn : describe(first.operand);
  }

  private pipeline(cmds: Cmd[], scope: Scope): unknown {
    let value: unknown;
    let piped = false;
    for (const cmd of cmds) {
      if ('operand' in cmd) {
        if (piped) throw new TemplateError('a value cannot take piped input');
        value = this.operand(cmd.operand, scope);
      } else {
        const args = cmd.args.map((a) => this.operand(a, scope));
        if (piped) args.push(value);
        value = this.call(cmd.fn, args);
      }
      piped = true;
    }
    return value;
  }

  private operand(op: Operand, scope: Scope): unknown {
    switch (op.t) {
      case 'str':
      case 'num':
        return op.v;
      case 'sub':
        return this.pipeline(op.pipeline, scope);
      case 'field': {
        let v: unknown = op.root === '$' ? scope.root : scope.dot;
        for (const key of op.path) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[key] : undefined;
        return v;
      }
      default:
        throw new TemplateError(`unexpected ${op.t}`);
    }
  }

  private call(fn: string, args: unknown[]): unknown {
    const arity: Record<string, number> = { include: 2, toYaml: 1, nindent: 2, indent: 2, quote: 1, default: 2, trunc: 2, trimSuffix: 2, sha256sum: 1 };
    if (fn !== 'list' && args.length !== arity[fn]) throw new TemplateError(`${fn} takes ${arity[fn]} argument(s), got ${args.length}`);
    const [a, b] = args;
    switch (fn) {
      case 'include': {
        const body = this.defines.get(asString(a, fn));
        if (!body) throw new TemplateError(`include of an undefined template ${JSON.stringify(a)}`);
        return this.nodes(body, { dot: b, root: b });
      }
      case 'toYaml':
        // helm's toYaml drops the final newline; key order and quoting differ from Go's, the meaning does not.
        return a === undefined || a === null ? 'null' : stringify(a, { lineWidth: 0 }).replace(/\n$/, '');
      case 'indent':
      case 'nindent': {
        const pad = ' '.repeat(asInt(a, fn));
        const indented = pad + asString(b, fn).replaceAll('\n', `\n${pad}`);
        return fn === 'nindent' ? `\n${indented}` : indented;
      }
      case 'quote':
        return a === undefined || a === null ? '' : JSON.stringify(asString(a, fn));
      case 'default':
        return truthy(b) ? b : a;
      case 'trunc': {
        const s = asString(b, fn);
        const n = asInt(a, fn);
        return n >= 0 ? s.slice(0, n) : s.slice(n);
      }
      case 'trimSuffix': {
        const s = asString(b, fn);
        const suffix = asString(a, fn);
        return suffix && s.endsWith(suffix) ? s.slice(0, -suffix.length) : s;
      }
      case 'sha256sum':
        return createHash('sha256').update(asString(a, fn)).digest('hex');
      case 'list':
        return args;
      default:
        throw new TemplateError(`function ${fn} is not supported by this renderer`);
    }
  }
}

/** Deep-merges overrides into values the way `--set`/`-f` do: maps merge, anything else replaces. */
export function mergeValues(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    const prev = out[k];
    const isMap = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);
    out[k] = isMap(prev) && isMap(v) ? mergeValues(prev, v) : v;
  }
  return out;
}
