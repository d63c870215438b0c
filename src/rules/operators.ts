/**
 * Building blocks of condition evaluation, each following the libsinsp/glibc behaviour it
 * replaces: numeric constant parsing (sinsp_numparser = sscanf "%d%c"/"%u%c"), hex constants of
 * bcontains/bstartswith (sinsp_utils::unhex), strcasestr, fnmatch(3) globs (flags 0 or
 * FNM_CASEFOLD), RE2 POSIX-syntax regexes (full match), path-prefix search (libsinsp
 * prefix_search.h), inet_pton for IPv4/IPv6, base64 decoding (libsinsp base64.h
 * decodeWithoutPadding), getservbyname for ports.
 * Nothing here evaluates rule text as code: globs and regexes are translated to RegExp objects.
 */
import { readFileSync } from "node:fs";

/** Error building an operand (bad number, IP, regex...). Message as libsinsp's. */
export class OperandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OperandError";
  }
}

/* ---------- numbers (sinsp_numparser: sscanf with a trailing %c) ---------- */

const TWO64 = 1n << 64n;
const I64_MAX = (1n << 63n) - 1n;
const I64_MIN = -(1n << 63n);
const U64_MAX = TWO64 - 1n;

/**
 * Parse an integer as glibc `sscanf(str, "%" PRId64 "%c")` (signed) or `PRIu64` (unsigned) does
 * and require nothing to follow: optional leading whitespace, optional sign, decimal digits.
 * Overflow saturates (strtoll/strtoull); unsigned negates in 2^64 like strtoull.
 * @throws OperandError "<str> is not a valid number".
 */
export function parseInt64(str: string, unsigned: boolean): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(str);
  if (!m) throw new OperandError(str + " is not a valid number");
  let mag = BigInt(m[2]!);
  const neg = m[1] === "-";
  if (unsigned) {
    if (mag > U64_MAX) mag = U64_MAX;
    return neg ? (TWO64 - mag) % TWO64 : mag;
  }
  let v = neg ? -mag : mag;
  if (v > I64_MAX) v = I64_MAX;
  if (v < I64_MIN) v = I64_MIN;
  return v;
}

/**
 * Parse a numeric constant for a field of libsinsp type `t` (value_parser.cpp string_to_rawval):
 * INT8/16/32 via parsed32 then truncation; INT64/FD/PID/ERRNO parsed64; UINT8/16/32 (FLAGS, MODE,
 * UID, GID) via parseu32 then truncation; UINT64/RELTIME/ABSTIME parseu64; DOUBLE via parsed32
 * (libsinsp never parsed floating point constants). Returns a bigint (exact).
 * @throws OperandError for text that is not a number.
 */
export function parseNumericConstant(str: string, t: string): bigint {
  switch (t) {
    case "INT8": return BigInt.asIntN(8, BigInt.asIntN(32, parseInt64(str, false)));
    case "INT16": return BigInt.asIntN(16, BigInt.asIntN(32, parseInt64(str, false)));
    case "INT32": case "DOUBLE": return BigInt.asIntN(32, parseInt64(str, false));
    case "INT64": case "FD": case "PID": case "ERRNO": return parseInt64(str, false);
    case "UINT8": case "FLAGS8": case "ENUMFLAGS8": case "L4PROTO": case "SIGTYPE":
      return BigInt.asUintN(8, BigInt.asUintN(32, parseInt64(str, true)));
    case "UINT16": case "FLAGS16": case "ENUMFLAGS16": case "SYSCALLID":
      return BigInt.asUintN(16, BigInt.asUintN(32, parseInt64(str, true)));
    case "PORT": return BigInt(parsePort(str));
    case "UINT32": case "FLAGS32": case "ENUMFLAGS32": case "MODE": case "UID": case "GID":
      return BigInt.asUintN(32, parseInt64(str, true));
    default: return parseInt64(str, true);
  }
}

let services: Map<string, number> | null = null;

/**
 * Port constant (value_parser PT_PORT): "" → 0; all digits → number (16-bit); otherwise a
 * service name from /etc/services (getservbyname), else "unrecognized protocol NAME".
 */
export function parsePort(str: string): number {
  if (str === "") return 0;
  if (/^[0-9]+$/.test(str)) return Number(BigInt.asUintN(16, BigInt(str)));
  if (!services) {
    services = new Map();
    try {
      for (const line of readFileSync("/etc/services", "utf8").split("\n")) {
        const l = line.replace(/#.*/, "").trim();
        if (!l) continue;
        const parts = l.split(/\s+/);
        const m = /^(\d+)\//.exec(parts[1] ?? "");
        if (!m) continue;
        for (const n of [parts[0]!, ...parts.slice(2)]) if (!services.has(n)) services.set(n, Number(m[1]));
      }
    } catch {
      for (const [n, p] of [["ssh", 22], ["http", 80], ["https", 443], ["domain", 53], ["ftp", 21], ["smtp", 25], ["telnet", 23]] as const) services.set(n, p);
    }
  }
  const p = services.get(str);
  if (p === undefined) throw new OperandError("unrecognized protocol " + str);
  return p;
}

/* ---------- hex (sinsp_utils::unhex) ---------- */

/** Decode an even-length hex string to bytes; null if odd length or a non-hex char. */
export function unhex(s: string): Uint8Array | null {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}

/* ---------- strings ---------- */

function lowerAscii(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** strcasestr(hay, needle) != NULL, ASCII case folding (C locale), no allocation. */
export function icontains(hay: string, needleLower: string): boolean {
  const n = needleLower.length;
  const h = hay.length;
  if (n === 0) return true;
  outer: for (let i = 0; i + n <= h; i++) {
    for (let j = 0; j < n; j++) {
      if (lowerAscii(hay.charCodeAt(i + j)) !== needleLower.charCodeAt(j)) continue outer;
    }
    return true;
  }
  return false;
}

/** ASCII-only lowercase (C tolower in the C locale). */
export function toLowerAscii(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

/** ASCII-only uppercase (C toupper in the C locale). */
export function toUpperAscii(s: string): string {
  return /[a-z]/.test(s) ? s.replace(/[a-z]+/g, (m) => m.toUpperCase()) : s;
}

/** Byte-wise memmem(hay, needle) != NULL. */
export function bytesContains(hay: Uint8Array, needle: Uint8Array): boolean {
  const n = needle.length;
  if (n === 0) return true;
  const first = needle[0]!;
  outer: for (let i = 0; i + n <= hay.length; i++) {
    if (hay[i] !== first) continue;
    for (let j = 1; j < n; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** True if `b` starts with `p` (memcmp on the first p.length bytes). */
export function bytesStartsWith(b: Uint8Array, p: Uint8Array): boolean {
  if (p.length > b.length) return false;
  for (let i = 0; i < p.length; i++) if (b[i] !== p[i]) return false;
  return true;
}

/** True if `b` ends with `p` (sinsp_utils::endswith). */
export function bytesEndsWith(b: Uint8Array, p: Uint8Array): boolean {
  if (p.length > b.length) return false;
  const off = b.length - p.length;
  for (let i = 0; i < p.length; i++) if (b[off + i] !== p[i]) return false;
  return true;
}

/** Byte equality. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/* ---------- fnmatch(3) globs ---------- */

const POSIX_CLASSES: Record<string, string> = {
  alpha: "a-zA-Z", digit: "0-9", alnum: "a-zA-Z0-9", upper: "A-Z", lower: "a-z",
  space: " \\t\\n\\v\\f\\r", blank: " \\t", punct: "!-\\/:-@\\[-`{-~", print: " -~", graph: "!-~",
  cntrl: "\\x00-\\x1f\\x7f", xdigit: "0-9A-Fa-f", word: "a-zA-Z0-9_",
};

function reEscapeChar(c: string): string {
  return /[\\^$.*+?()[\]{}|\/-]/.test(c) ? "\\" + c : c;
}

/**
 * Translate an fnmatch(3) pattern (glibc, flags 0: `*` and `?` match `/` and leading dots;
 * backslash escapes; `[...]`, `[!...]`, `[^...]`, ranges, `[:class:]`) into an anchored RegExp.
 * `caseFold` = FNM_CASEFOLD (iglob). A trailing lone backslash never matches (glibc).
 */
export function globToRegExp(pattern: string, caseFold: boolean): RegExp {
  let re = "";
  let i = 0;
  const n = pattern.length;
  while (i < n) {
    const c = pattern[i]!;
    if (c === "*") {
      re += "[\\s\\S]*";
      while (pattern[i + 1] === "*") i++;
      i++;
    } else if (c === "?") {
      re += "[\\s\\S]";
      i++;
    } else if (c === "\\") {
      if (i + 1 >= n) return /(?!)/;
      re += reEscapeChar(pattern[i + 1]!);
      i += 2;
    } else if (c === "[") {
      const r = parseBracket(pattern, i);
      if (r) {
        re += r.re;
        i = r.end;
      } else {
        re += "\\[";
        i++;
      }
    } else {
      re += reEscapeChar(c);
      i++;
    }
  }
  return new RegExp("^" + re + "$", caseFold ? "i" : "");
}

/** Parse `[...]` at `start`; null if unterminated (then '[' is literal, as glibc). */
function parseBracket(p: string, start: number): { re: string; end: number } | null {
  let i = start + 1;
  let neg = false;
  if (p[i] === "!" || p[i] === "^") {
    neg = true;
    i++;
  }
  let body = "";
  let first = true;
  while (i < p.length) {
    let c = p[i]!;
    if (c === "]" && !first) return { re: (neg ? "[^" : "[") + body + "]", end: i + 1 };
    first = false;
    if (c === "[" && p[i + 1] === ":") {
      const close = p.indexOf(":]", i + 2);
      if (close > 0) {
        const name = p.slice(i + 2, close);
        const cls = POSIX_CLASSES[name];
        if (cls === undefined) return null;
        body += cls;
        i = close + 2;
        continue;
      }
    }
    if (c === "\\" && i + 1 < p.length) {
      i++;
      c = p[i]!;
    }
    let item = reEscapeChar(c);
    if (p[i + 1] === "-" && i + 2 < p.length && p[i + 2] !== "]") {
      let hi = p[i + 2]!;
      let skip = 3;
      if (hi === "\\" && i + 3 < p.length) {
        hi = p[i + 3]!;
        skip = 4;
      }
      if (hi.charCodeAt(0) >= c.charCodeAt(0)) item += "-" + reEscapeChar(hi);
      else item = "(?!)"; // empty range matches nothing
      i += skip;
    } else {
      i++;
    }
    if (item !== "(?!)") body += item;
  }
  return null;
}

/* ---------- RE2 (POSIX syntax) regexes ---------- */

/**
 * Compile a libsinsp `regex` operand: RE2 with `RE2::POSIX` options (posix_syntax, longest_match;
 * no Perl extensions: no `(?...)` groups or flags, no lazy quantifiers, no `\d \s \w \b \p \A \z
 * \C \Q`, no backreferences; `^`/`$` match at line boundaries since one_line is off), matched
 * against the whole value (ANCHOR_BOTH). Translated to a sticky multiline JS RegExp followed by an
 * end-of-input lookahead, so alternation still finds a full match; `[[:class:]]` is expanded.
 * @throws OperandError "invalid regex pattern: ..." as libsinsp (RE2's wording where known).
 */
export function compileRegex(pattern: string): RegExp {
  const bad = (m: string): never => {
    throw new OperandError("invalid regex pattern: " + m);
  };
  const p = pattern;
  let out = "";
  let inClass = false;
  let afterQuant = false;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\") {
      const d = p[i + 1];
      if (d === undefined) bad("trailing \\");
      if (/[dDsSwWbBpPAzCQEG1-9]/.test(d!)) bad("invalid escape sequence: \\" + d);
      out += c + d;
      i++;
      afterQuant = false;
      continue;
    }
    if (inClass) {
      if (c === "[" && p[i + 1] === ":") {
        const close = p.indexOf(":]", i + 2);
        const cls = close > 0 ? POSIX_CLASSES[p.slice(i + 2, close)] : undefined;
        if (cls === undefined) bad("invalid character class range: " + p.slice(i, close > 0 ? close + 2 : p.length));
        out += cls;
        i = close + 1;
        continue;
      }
      if (c === "]") inClass = false;
      out += c === "[" ? "\\[" : c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      if (p[i + 1] === "^") { out += "^"; i++; }
      if (p[i + 1] === "]") { out += "\\]"; i++; }
      afterQuant = false;
      continue;
    }
    if (c === "(" && p[i + 1] === "?") bad("missing argument to repetition operator: ?");
    if (c === "*" || c === "+" || c === "?") {
      if (afterQuant) bad("bad repetition operator: " + p[i - 1] + c);
      afterQuant = true;
      out += c;
      continue;
    }
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i));
      if (m) {
        if (afterQuant) bad("bad repetition operator: " + m[0]);
        if (m[3] && Number(m[3]) < Number(m[1])) bad("bad repetition operator: " + m[0]);
        if (Number(m[1]) > 1000 || (m[3] !== undefined && m[3] !== "" && Number(m[3]) > 1000)) bad("bad repetition operator: " + m[0]);
        out += m[0];
        i += m[0].length - 1;
        afterQuant = true;
        continue;
      }
      out += "\\{";
      afterQuant = false;
      continue;
    }
    if (c === "}") {
      out += "\\}";
      afterQuant = false;
      continue;
    }
    afterQuant = false;
    out += c;
  }
  if (inClass) bad("missing ]: " + pattern);
  try {
    return new RegExp("(?:" + out + ")(?![\\s\\S])", "ym");
  } catch (e) {
    return bad((e as Error).message);
  }
}

/** Full match of a compiled regex (`compileRegex`) against `s`. */
export function regexFullMatch(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}

/* ---------- path prefix search (libsinsp prefix_search.h) ---------- */

interface PrefixNode {
  dirs: Map<string, PrefixEntry>;
  globs: Map<string, PrefixEntry & { re: RegExp }>;
}
interface PrefixEntry {
  sub: PrefixNode | null;
  terminal: boolean;
}

function splitPath(path: string): string[] {
  const out = ["root"];
  for (const c of path.split("/")) if (c.length > 0) out.push(c);
  return out;
}

/**
 * The `pmatch` operand: a set of path prefixes matched component-wise (`/var/log` matches
 * `/var/log` and `/var/log/x`, not `/var/logx`); components with `? * [` are fnmatch globs; a
 * shorter prefix replaces longer ones already added (libsinsp path_prefix_map).
 */
export class PathPrefixSet {
  private readonly root: PrefixNode = { dirs: new Map(), globs: new Map() };

  /** Add a search path. */
  add(path: string): void {
    this.addComponents(this.root, splitPath(path), 0);
  }

  private addComponents(node: PrefixNode, comps: string[], i: number): void {
    const comp = comps[i]!;
    const isGlob = /[?*[]/.test(comp);
    const dirs = (isGlob ? node.globs : node.dirs) as Map<string, PrefixEntry>;
    const last = i === comps.length - 1;
    const ent = dirs.get(comp);
    if (!ent) {
      let sub: PrefixNode | null = null;
      if (!last) {
        sub = { dirs: new Map(), globs: new Map() };
        this.addComponents(sub, comps, i + 1);
      }
      const e: PrefixEntry = { sub, terminal: last };
      if (isGlob) node.globs.set(comp, { ...e, re: globToRegExp(comp, false) });
      else node.dirs.set(comp, e);
    } else if (last) {
      ent.sub = null;
      ent.terminal = true;
    } else if (ent.sub) {
      this.addComponents(ent.sub, comps, i + 1);
    }
  }

  /** True if `path` has one of the prefixes. */
  match(path: string): boolean {
    return this.matchComponents(this.root, splitPath(path), 0);
  }

  private matchComponents(node: PrefixNode, comps: string[], i: number): boolean {
    const d = node.dirs.get(comps[i]!);
    if (d && this.check(d, comps, i + 1)) return true;
    for (const g of node.globs.values()) {
      if (g.re.test(comps[i]!) && this.check(g, comps, i + 1)) return true;
    }
    return false;
  }

  private check(e: PrefixEntry, comps: string[], i: number): boolean {
    if (i >= comps.length) return e.sub === null && e.terminal;
    if (e.sub === null) return e.terminal;
    return this.matchComponents(e.sub, comps, i);
  }
}

/* ---------- IP addresses ---------- */

/**
 * inet_pton(AF_INET) on text: exactly four dotted decimal octets 0..255, no leading zeros
 * (glibc). Returns the address as an unsigned 32-bit number a.b.c.d → a<<24|b<<16|c<<8|d, or -1.
 * Does not allocate.
 */
export function parseIPv4(s: string): number {
  let parts = 0;
  let cur = 0;
  let digits = 0;
  let acc = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && cur === 0) return -1;
      cur = cur * 10 + (c - 48);
      if (cur > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || parts === 3) return -1;
      acc = acc * 256 + cur;
      parts++;
      cur = 0;
      digits = 0;
    } else {
      return -1;
    }
  }
  if (digits === 0 || parts !== 3) return -1;
  return acc * 256 + cur;
}

/**
 * inet_pton(AF_INET6) on text into `out` (four big-endian 32-bit words). Supports `::`
 * compression and a trailing dotted IPv4. Returns false if invalid. Does not allocate.
 */
export function parseIPv6(s: string, out: Uint32Array): boolean {
  const g = V6_SCRATCH;
  let n = 0;
  let gap = -1;
  let i = 0;
  const len = s.length;
  if (len === 0) return false;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    i = 1;
  }
  let curStart = i;
  let val = 0;
  let digits = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    let h = -1;
    if (c >= 48 && c <= 57) h = c - 48;
    else if (c >= 97 && c <= 102) h = c - 87;
    else if (c >= 65 && c <= 70) h = c - 55;
    if (h >= 0) {
      val = val * 16 + h;
      if (++digits > 4) return false;
      continue;
    }
    if (c === 58) {
      if (digits === 0) {
        if (gap >= 0) return false;
        gap = n;
        curStart = i + 1;
        continue;
      }
      if (i + 1 >= len || n >= 8) return false;
      g[n++] = val;
      val = 0;
      digits = 0;
      curStart = i + 1;
      continue;
    }
    if (c === 46) {
      const v4 = parseIPv4(s.substring(curStart));
      if (v4 < 0 || n > 6) return false;
      g[n++] = Math.floor(v4 / 65536);
      g[n++] = v4 % 65536;
      digits = 0;
      break;
    }
    return false;
  }
  if (digits > 0) {
    if (n >= 8) return false;
    g[n++] = val;
  }
  if (gap >= 0) {
    if (n === 8) return false;
    const move = n - gap;
    for (let k = 0; k < move; k++) g[7 - k] = g[n - 1 - k]!;
    for (let k = gap; k < 8 - move; k++) g[k] = 0;
  } else if (n !== 8) {
    return false;
  }
  out[0] = (g[0]! * 65536 + g[1]!) >>> 0;
  out[1] = (g[2]! * 65536 + g[3]!) >>> 0;
  out[2] = (g[4]! * 65536 + g[5]!) >>> 0;
  out[3] = (g[6]! * 65536 + g[7]!) >>> 0;
  return true;
}

const V6_SCRATCH = new Uint16Array(8);

/* ---------- base64 (libsinsp base64.h decodeWithoutPadding) ---------- */

const B64 = (() => {
  const t = new Int16Array(256).fill(-1);
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < chars.length; i++) t[chars.charCodeAt(i)] = i;
  return t;
})();

/**
 * Decode standard base64 with optional `=` padding (at most two), rejecting invalid characters
 * and non-zero trailing bits, as libsinsp's `Base64::decodeWithoutPadding`. Input is a byte
 * array; null when invalid.
 */
export function base64Decode(input: Uint8Array): Uint8Array | null {
  let n = input.length;
  if (n === 0) return new Uint8Array(0);
  if (input[n - 1] === 61) {
    n--;
    if (n > 0 && input[n - 1] === 61) n--;
  }
  if (n === 0) return null;
  let max = Math.floor((n + 3) / 4) * 3;
  if (n % 4 === 3) max -= 1;
  if (n % 4 === 2) max -= 2;
  if (n % 4 === 1) return null;
  const out = new Uint8Array(max);
  let o = 0;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const c = B64[input[i]!]!;
    if (c < 0) return null;
    acc = (acc << 6) | c;
    if (i % 4 === 3) {
      out[o++] = (acc >> 16) & 255;
      out[o++] = (acc >> 8) & 255;
      out[o++] = acc & 255;
      acc = 0;
    }
  }
  const rem = n % 4;
  if (rem === 2) {
    if (acc & 0b1111) return null;
    out[o++] = (acc >> 4) & 255;
  } else if (rem === 3) {
    if (acc & 0b11) return null;
    out[o++] = (acc >> 10) & 255;
    out[o++] = (acc >> 2) & 255;
  }
  return o === max ? out : null;
}
