import type { RejectionCode } from './rejection-codes';

// What JSON.parse hides about a message body: numbers it rounded to the
// nearest double, strings that are not well-formed Unicode, keys that plain
// objects treat specially, and nesting deep enough to overflow the stack of
// anything recursive (zod, JSON.stringify) that touches the parsed value.
// Each check has a cheap gate on the raw text (native string searches) so the
// usual message pays almost nothing; only a message that trips a gate gets the
// careful look, which is iterative and never recurses however deep the input.

/** Objects and arrays may nest this deep in a message (the event itself is level 1; a valid event needs 5). */
export const MAX_NESTING_DEPTH = 32;

export type JsonPath = readonly (string | number)[];

export type TextProblemKind = 'inexact-number' | 'ill-formed-unicode' | 'prototype-key' | 'too-deep';

/** One thing wrong with the text of a message, where it is, and what to tell the producer. */
export interface TextProblem {
  readonly kind: TextProblemKind;
  /** Where, from the message root (`["detail", "quantity"]`); cut after its first 8 steps. */
  readonly path: JsonPath;
  /** What is wrong there, for the producer (the path is added by rejectionFromTextProblems). */
  readonly problem: string;
}

/** Where a value's text starts and ends in the body (end exclusive). */
export interface TextSpan {
  readonly start: number;
  readonly end: number;
}

/** The careful look at a body: every problem found, and where the parts a rejection needs sit in the text. */
export interface MessageTextScan {
  readonly problems: readonly TextProblem[];
  /** The text of `detail-type`'s value (a JSON string), when the root is an object with one. */
  readonly detailTypeSpan: TextSpan | undefined;
  /** The text of `detail`'s value. */
  readonly detailSpan: TextSpan | undefined;
  /** The text of each `detail.outcomes[i]`, by index. */
  readonly itemSpans: readonly (TextSpan | undefined)[];
}

const isWellFormedText = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Whether every string of the text is well-formed UTF-16 (no unpaired surrogate). */
export function isWellFormed(text: string): boolean {
  return isWellFormedText(text);
}

/** The text with each unpaired surrogate written as a JSON escape (`\udc00`): same meaning, storable as UTF-8. */
export function escapeLoneSurrogates(text: string): string {
  if (isWellFormedText(text)) return text;
  return text.replace(/\p{Cs}/gu, (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A string for a message: JSON-quoted, lone surrogates escaped, cut to `max` characters. */
export function quoteForMessage(text: string, max = 80): string {
  const quoted = escapeLoneSurrogates(JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text));
  return quoted;
}

/**
 * Cheap gate: false means no number token right after a `:` (where the fast
 * path of ingest takes numbers: quantity, attribute values, schemaVersion)
 * can be inexact. A token with at most 15 significant digits and no exponent
 * always reads back exactly, so only longer tokens and exponents trip it.
 * Found with native searches for ':' rather than a regular expression, which
 * costs as much as parsing the body. Numbers anywhere else (in arrays, in
 * unknown fields) never reach the fast path; the careful scan runs before
 * anything else reads them.
 */
export function mayHoldInexactNumber(text: string): boolean {
  let colon = text.indexOf(':');
  while (colon !== -1) {
    if (mayBeInexactAfter(text, colon + 1)) return true;
    colon = text.indexOf(':', colon + 1);
  }
  return false;
}

/**
 * mayHoldInexactNumber for the values of one key only (`"schemaVersion"`, as
 * written in the text): for a batch, whose only number outside its items is
 * usually that one.
 */
export function mayHoldInexactNumberAt(text: string, quotedKey: string): boolean {
  let key = text.indexOf(quotedKey);
  while (key !== -1) {
    let at = key + quotedKey.length;
    let char = text.charCodeAt(at);
    while (isJsonSpace(char)) char = text.charCodeAt(++at);
    if (char === 0x3a /* : */ && mayBeInexactAfter(text, at + 1)) return true;
    key = text.indexOf(quotedKey, at);
  }
  return false;
}

function isJsonSpace(char: number): boolean {
  return char === 0x20 || char === 0x0a || char === 0x0d || char === 0x09;
}

/** Whether the value starting at `from` (after a ':') is a number token with 16 or more digits or an exponent. */
function mayBeInexactAfter(text: string, from: number): boolean {
  let at = from;
  let char = text.charCodeAt(at);
  while (isJsonSpace(char)) char = text.charCodeAt(++at);
  if (char === 0x2d /* - */) char = text.charCodeAt(++at);
  if (char < 0x30 || char > 0x39) return false;
  const start = at;
  while ((char >= 0x30 && char <= 0x39) || char === 0x2e) char = text.charCodeAt(++at);
  return at - start >= 16 || char === 0x65 /* e */ || char === 0x45 /* E */;
}

/**
 * Cheap gate: false means every parsed string and key is well-formed and none
 * is `__proto__`. Escapes are the only way JSON text makes a lone surrogate, a
 * control character or a disguised `__proto__`, and producers' serializers
 * rarely emit any.
 */
export function mayHoldUnsafeStrings(text: string): boolean {
  return text.indexOf('\\') !== -1 || text.indexOf('__proto__') !== -1 || !isWellFormedText(text);
}

/**
 * Cheap gate: false means no string or key parsed from the text holds a
 * control character (JSON strings can hold them only as escapes, except DEL).
 */
export function mayHoldControlCharacters(text: string): boolean {
  return text.indexOf('\\') !== -1 || text.indexOf('\u007f') !== -1;
}

/** Cheap gate: false means the text cannot nest deeper than `maxDepth` (it has no more openers than that). */
export function mayNestDeeperThan(text: string, maxDepth: number): boolean {
  let openers = 0;
  for (const opener of ['{', '[']) {
    let at = text.indexOf(opener);
    while (at !== -1) {
      openers += 1;
      if (openers > maxDepth) return true;
      at = text.indexOf(opener, at + 1);
    }
  }
  return false;
}

const MAX_PROBLEMS = 100;
const MAX_PATH_STEPS = 8;

interface Frame {
  readonly isArray: boolean;
  /** The object key being read, or the array index. */
  step: string | number;
  expectKey: boolean;
  readonly start: number;
  /** Index of the batch item this frame is (or is inside), -1 if none. */
  readonly item: number;
}

/**
 * The careful, iterative look at a body that JSON.parse accepted: every number
 * token checked against the double it becomes, every string and key checked
 * for well-formedness and `__proto__`, and the nesting depth. Also notes where
 * `detail-type`, `detail` and each `detail.outcomes[i]` sit in the text, so a
 * rejection can keep the producer's own text.
 */
export function scanMessageText(text: string, maxDepth = MAX_NESTING_DEPTH): MessageTextScan {
  const problems: TextProblem[] = [];
  const itemSpans: (TextSpan | undefined)[] = [];
  let detailTypeSpan: TextSpan | undefined;
  let detailSpan: TextSpan | undefined;
  const stack: Frame[] = [];
  let deepReportedFor = -2;
  const pathOf = (): (string | number)[] => {
    const path: (string | number)[] = [];
    for (let index = 0; index < stack.length && index < MAX_PATH_STEPS; index += 1) path.push((stack[index] as Frame).step);
    return path;
  };
  const add = (problem: TextProblem): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(problem);
  };
  // Which batch item a value at the current position belongs to (-1: none).
  const itemHere = (): number => {
    const top = stack[stack.length - 1];
    if (top === undefined) return -1;
    if (top.item !== -1) return top.item;
    if (stack.length === 3 && top.isArray && isStep(stack, ['detail', 'outcomes'])) return top.step as number;
    return -1;
  };
  const valueStarted = (start: number, end: number): void => recordSpan(start, end);
  const recordSpan = (start: number, end: number): void => {
    const depth = stack.length;
    const top = stack[depth - 1];
    if (top === undefined) return;
    if (depth === 1 && !top.isArray) {
      if (top.step === 'detail') detailSpan = { start, end };
      else if (top.step === 'detail-type') detailTypeSpan = { start, end };
    } else if (depth === 3 && top.isArray && isStep(stack, ['detail', 'outcomes'])) {
      itemSpans[top.step as number] = { start, end };
    }
  };

  let index = 0;
  const length = text.length;
  while (index < length) {
    const char = text.charCodeAt(index);
    if (char === 0x22 /* " */) {
      const end = stringEnd(text, index);
      const top = stack[stack.length - 1];
      const raw = text.slice(index, end);
      const value = raw.indexOf('\\') === -1 ? raw.slice(1, -1) : (JSON.parse(raw) as string);
      if (top !== undefined && !top.isArray && top.expectKey) {
        top.step = value;
        if (value === '__proto__') {
          add({ kind: 'prototype-key', path: pathOf(), problem: `the key "__proto__" is not accepted (rename it)` });
        }
        if (!isWellFormedText(value)) {
          add({
            kind: 'ill-formed-unicode',
            path: pathOf(),
            problem: `the key ${quoteForMessage(value)} is not well-formed Unicode (it has an unpaired surrogate); send valid UTF-8`,
          });
        }
      } else {
        if (!isWellFormedText(value)) {
          add({
            kind: 'ill-formed-unicode',
            path: pathOf(),
            problem: `${quoteForMessage(value)} is not well-formed Unicode (it has an unpaired surrogate); send valid UTF-8`,
          });
        }
        valueStarted(index, end);
      }
      index = end;
      continue;
    }
    if (char === 0x7b /* { */ || char === 0x5b /* [ */) {
      const item = itemHere();
      const isArray = char === 0x5b;
      stack.push({ isArray, step: isArray ? 0 : '', expectKey: !isArray, start: index, item });
      if (stack.length > maxDepth && deepReportedFor !== item) {
        // One report per batch item (and one for the rest of the message).
        deepReportedFor = item;
        const path = pathOf().slice(0, stack.length - 1);
        add({
          kind: 'too-deep',
          path,
          problem: `objects and arrays nest more than ${maxDepth} levels deep; at most ${maxDepth} are accepted`,
        });
      }
      index += 1;
      continue;
    }
    if (char === 0x7d /* } */ || char === 0x5d /* ] */) {
      const frame = stack.pop();
      if (frame !== undefined) recordSpan(frame.start, index + 1);
      index += 1;
      continue;
    }
    if (char === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top !== undefined) {
        if (top.isArray) top.step = (top.step as number) + 1;
        else top.expectKey = true;
      }
      index += 1;
      continue;
    }
    if (char === 0x3a /* : */) {
      const top = stack[stack.length - 1];
      if (top !== undefined) top.expectKey = false;
      index += 1;
      continue;
    }
    if (char === 0x2d /* - */ || (char >= 0x30 && char <= 0x39)) {
      let end = index + 1;
      while (end < length && isNumberChar(text.charCodeAt(end))) end += 1;
      const token = text.slice(index, end);
      // Only the detail is the producer's; the envelope is the bus's.
      const problem = stack[0]?.step === 'detail' && stack.length > 1 ? numberTokenProblem(token) : undefined;
      if (problem !== undefined) {
        const path = pathOf();
        add({ kind: 'inexact-number', path, problem });
      }
      valueStarted(index, end);
      index = end;
      continue;
    }
    if (char === 0x74 /* t */ || char === 0x66 /* f */ || char === 0x6e /* n */) {
      let end = index + 1;
      while (end < length && text.charCodeAt(end) >= 0x61 && text.charCodeAt(end) <= 0x7a) end += 1;
      valueStarted(index, end);
      index = end;
      continue;
    }
    index += 1; // whitespace
  }
  return { problems, detailTypeSpan, detailSpan, itemSpans };
}

function isStep(stack: readonly Frame[], steps: readonly string[]): boolean {
  for (let index = 0; index < steps.length; index += 1) {
    if (stack[index]?.step !== steps[index]) return false;
  }
  return true;
}

function isNumberChar(char: number): boolean {
  return (char >= 0x30 && char <= 0x39) || char === 0x2e || char === 0x65 || char === 0x45 || char === 0x2b || char === 0x2d;
}

/** Index just past the closing quote of the JSON string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let at = start + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote === -1) return text.length;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/** `detail.outcomes[3].attributes.n`, or `the message` for the root. */
export function describePath(path: JsonPath): string {
  if (path.length === 0) return 'the detail';
  let text = '';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else text += text === '' ? quoteKeyIfNeeded(step) : `.${quoteKeyIfNeeded(step)}`;
  }
  return text;
}

function quoteKeyIfNeeded(key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? key : quoteForMessage(key, 40);
}

/** A decimal as digits without leading or trailing zeros and the power of ten of its first digit: 0.d1d2… × 10^exponent. */
interface DecimalDigits {
  readonly negative: boolean;
  readonly digits: string;
  readonly exponent: number;
}

function decimalDigitsOf(text: string): DecimalDigits {
  const negative = text.charCodeAt(0) === 0x2d;
  const unsigned = negative ? text.slice(1) : text;
  const e = unsigned.search(/[eE]/);
  const mantissa = e === -1 ? unsigned : unsigned.slice(0, e);
  const exponent = e === -1 ? 0 : Number(unsigned.slice(e + 1)); // exact: an exponent's digits, an integer far inside the safe range
  const dot = mantissa.indexOf('.');
  const all = dot === -1 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  let point = dot === -1 ? mantissa.length : dot;
  let first = 0;
  while (first < all.length && all.charCodeAt(first) === 0x30) first += 1;
  point -= first;
  let last = all.length;
  while (last > first && all.charCodeAt(last - 1) === 0x30) last -= 1;
  const digits = all.slice(first, last);
  return { negative: negative && digits !== '', digits, exponent: digits === '' ? 0 : exponent + point };
}

/**
 * Why a JSON number token does not read back as exactly the number the
 * producer wrote (out of a double's range, too small for one, or more digits
 * than a double keeps), else undefined. Exactness is judged on the decimal
 * value: `0.1` reads back as `0.1`, `123456789012345678` as `123456789012345680`.
 */
export function numberTokenProblem(token: string): string | undefined {
  const parsed = Number(token); // exact: on purpose the double JSON.parse makes, to find out whether it differs from the producer's text
  const advice = `send it as a decimal string ("${token.length > 40 ? `${token.slice(0, 40)}…` : token}")`;
  if (!Number.isFinite(parsed)) {
    return `the JSON number ${shorten(token)} is beyond the range of a JSON number (a 64-bit double) and cannot be read exactly; ${advice}`;
  }
  const sent = decimalDigitsOf(token);
  const read = decimalDigitsOf(String(parsed));
  if (sent.digits === read.digits && sent.exponent === read.exponent) return undefined;
  if (read.digits === '') {
    return `the JSON number ${shorten(token)} is too small for a JSON number (a 64-bit double) and would read as 0; ${advice}`;
  }
  return `the JSON number ${shorten(token)} has more digits than a JSON number (a 64-bit double) keeps and would read as ${String(parsed)}; ${advice}`;
}

function shorten(token: string): string {
  return token.length > 40 ? `${token.slice(0, 40)}…` : token;
}

const CODE_OF: Record<TextProblemKind, RejectionCode> = {
  'too-deep': 'NESTING_TOO_DEEP',
  'ill-formed-unicode': 'MALFORMED_UNICODE',
  'inexact-number': 'INEXACT_NUMBER',
  'prototype-key': 'INVALID_FIELD',
};
const KIND_PRIORITY: readonly TextProblemKind[] = ['too-deep', 'ill-formed-unicode', 'inexact-number', 'prototype-key'];
const MAX_LISTED_PROBLEMS = 5;

/**
 * One rejection for the problems of a message (or of one batch item): the
 * most fundamental code, every problem listed with its place, named as the
 * ledger's other messages name fields (from the detail, or from the item).
 */
export function rejectionFromTextProblems(problems: readonly TextProblem[]): { code: RejectionCode; message: string } {
  const ordered = [...problems].sort((a, b) => KIND_PRIORITY.indexOf(a.kind) - KIND_PRIORITY.indexOf(b.kind));
  const first = ordered[0] as TextProblem;
  const listed = ordered.slice(0, MAX_LISTED_PROBLEMS).map((problem) => `${describePath(relativePath(problem))}: ${problem.problem}`);
  const more = ordered.length > MAX_LISTED_PROBLEMS ? `; and ${ordered.length - MAX_LISTED_PROBLEMS} more` : '';
  return { code: CODE_OF[first.kind], message: `${listed.join('; ')}${more}` };
}

function relativePath(problem: TextProblem): JsonPath {
  const item = batchItemOf(problem);
  if (item !== undefined) return problem.path.slice(3);
  return problem.path[0] === 'detail' ? problem.path.slice(1) : problem.path;
}

/** The batch item a problem lies in (`detail.outcomes[i]…`), else undefined. */
export function batchItemOf(problem: TextProblem): number | undefined {
  const [detail, outcomes, index] = problem.path;
  return detail === 'detail' && outcomes === 'outcomes' && typeof index === 'number' && problem.path.length > 3 ? index : undefined;
}

/**
 * The body of an 'Outcomes Recorded' message with only its item `index` as
 * the detail of an 'Outcome Recorded' event, cut from the producer's text (so
 * numbers and escapes stay exactly as sent). Undefined when the text has no
 * such parts.
 */
export function itemAloneBody(body: string, scan: MessageTextScan, index: number, detailType: string): string | undefined {
  const item = scan.itemSpans[index];
  const detail = scan.detailSpan;
  const type = scan.detailTypeSpan;
  if (item === undefined || detail === undefined || type === undefined) return undefined;
  const cuts = [
    { span: type, text: JSON.stringify(detailType) },
    { span: detail, text: body.slice(item.start, item.end) },
  ].sort((a, b) => a.span.start - b.span.start);
  let result = '';
  let at = 0;
  for (const { span, text } of cuts) {
    result += body.slice(at, span.start) + text;
    at = span.end;
  }
  return result + body.slice(at);
}
