/**
 * Number recognition for text cells, on a substring given by indices so that parsing a large CSV
 * does not allocate one string per cell.
 *
 * Accepted: optional sign, decimal digits with an optional point, optional exponent
 * (`1`, `-2.5`, `.5`, `3.`, `1e-3`, `+7E+02`), surrounded by optional spaces/tabs. Also the words
 * NaN / Inf / Infinity (any case, optional sign) are *recognised* so that the error can say which
 * non-finite value a cell holds instead of calling it "not a number". Everything else (hex,
 * `1_000`, `1,5`, empty) is not a number. `Number()` is not used because it accepts `''`, `0x1f`
 * and whitespace-only strings.
 */

export enum NumStatus {
  Ok = 0,
  /** not a number at all */
  Invalid = 1,
  /** empty (or whitespace-only) cell */
  Empty = 2,
  /** the literal word NaN */
  NaN = 3,
  /** the literal word Inf/Infinity, signed */
  Inf = 4,
  /** a well-formed decimal too large for float64 (e.g. 1e999) */
  Overflow = 5,
}

/** Exact powers of ten representable in float64 (10^22 is the largest). */
const POW10 = new Float64Array(23);
for (let i = 0, p = 1; i < 23; i++, p *= 10) POW10[i] = p;

/**
 * Status of the last scan is kept in the scanner (not a result object, which would allocate per
 * cell). Callers hold their own instance: a method call on a local object stays monomorphic and
 * avoids the module-namespace getters transpilers put around imported functions.
 */
export class NumberScanner {
  status: NumStatus = NumStatus.Ok;
  scan(s: string, a: number, b: number): number {
    const v = scanNumber(s, a, b);
    this.status = lastStatus;
    return v;
  }
}

let lastStatus: NumStatus = NumStatus.Ok;

const isSpace = (c: number) => c === 32 || c === 9;

/**
 * Parses s[a, b). Returns the value (meaningful only when the status is Ok or Inf; Inf returns ±Infinity).
 *
 * Fast path (Clinger): with at most 15 significant digits the digits form an integer < 2^53
 * and 10^e for |e| ≤ 22 is exact, so one multiplication or division is correctly rounded — the
 * same double parseFloat returns — without slicing a string. Longer mantissas go to parseFloat
 * on the slice (V8's own fast paths beat anything in JS there; measured).
 */
function scanNumber(s: string, a: number, b: number): number {
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  if (a === b) {
    lastStatus = NumStatus.Empty;
    return NaN;
  }
  const start = a;
  let c = s.charCodeAt(a);
  let neg = false;
  if (c === 45 /* - */ || c === 43 /* + */) {
    neg = c === 45;
    a++;
  }
  let mant = 0;
  let nd = 0; // significant digits folded into mant
  let zeros = 0; // trailing zeros not yet folded in (keeps 1.000000000000000000e+00 on the fast path)
  let frac = 0; // digits after the point
  let digits = 0;
  let exact = true;
  let seenPoint = false;
  for (; a < b; a++) {
    c = s.charCodeAt(a);
    if (c >= 48 && c <= 57) {
      digits++;
      if (seenPoint) frac++;
      if (c === 48) {
        if (nd > 0) zeros++;
      } else if (nd + zeros + 1 > 15) {
        exact = false;
      } else {
        mant = mant * POW10[zeros + 1] + (c - 48);
        nd += zeros + 1;
        zeros = 0;
      }
    } else if (c === 46 /* . */ && !seenPoint) {
      seenPoint = true;
    } else break;
  }
  if (digits === 0) return word(s, start, b);
  let exp = 0;
  if (a < b && (c === 101 || c === 69) /* e E */) {
    a++;
    let eneg = false;
    c = s.charCodeAt(a);
    if (c === 45 || c === 43) {
      eneg = c === 45;
      a++;
    }
    let ed = 0;
    for (; a < b; a++) {
      c = s.charCodeAt(a);
      if (c < 48 || c > 57) break;
      if (exp < 100000) exp = exp * 10 + (c - 48);
      ed++;
    }
    if (ed === 0) return invalid();
    if (eneg) exp = -exp;
  }
  if (a !== b) return invalid();
  lastStatus = NumStatus.Ok;
  const e = exp + zeros - frac;
  // mant < 10^15 < 2^53 and 10^|e| (|e| ≤ 22) are exact: one correctly rounded operation
  if (exact && e >= -22 && e <= 22) {
    const v = mant === 0 ? 0 : e >= 0 ? mant * POW10[e] : mant / POW10[-e];
    return neg ? -v : v;
  }
  const v = parseFloat(s.slice(start, b));
  if (!Number.isFinite(v)) lastStatus = NumStatus.Overflow;
  return v;
}

function invalid(): number {
  lastStatus = NumStatus.Invalid;
  return NaN;
}

/** NaN / Inf / Infinity words, recognised only to name them in the error. */
function word(s: string, a: number, b: number): number {
  let w = s.slice(a, b).toLowerCase();
  let sign = 1;
  if (w[0] === '-' || w[0] === '+') {
    if (w[0] === '-') sign = -1;
    w = w.slice(1);
  }
  if (w === 'nan') {
    lastStatus = NumStatus.NaN;
    return NaN;
  }
  if (w === 'inf' || w === 'infinity') {
    lastStatus = NumStatus.Inf;
    return sign * Infinity;
  }
  return invalid();
}

/** True when the text is a number or a NaN/Inf word (used to tell a header row from data). */
export function looksNumeric(s: string): boolean {
  scanNumber(s, 0, s.length);
  return lastStatus === NumStatus.Ok || lastStatus === NumStatus.NaN || lastStatus === NumStatus.Inf || lastStatus === NumStatus.Overflow;
}
