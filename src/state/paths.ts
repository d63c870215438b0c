/**
 * Path helpers with libsinsp semantics: `concatenatePaths` is sinsp_utils::concatenate_paths
 * (falcosecurity/libs userspace/libsinsp/utils.cpp, copy_and_normalize_path + rewind_to_parent_path):
 * it joins a directory (kept verbatim, expected to end with "/") and a path, and normalises only the
 * second part ("./" skipped, "../" rewinds into the first part but never above "/", repeated "/"
 * collapsed, one trailing "/" dropped). An absolute second part ignores the first.
 */

/** SCAP_MAX_PATH_SIZE (userspace/libscap/scap_limits.h). */
export const SCAP_MAX_PATH_SIZE = 1024;

const SLASH = 47;
const DOT = 46;

/**
 * Join `dir` and `path` as libsinsp does (see module doc). Returns "/DIR_TOO_LONG/FILENAME_TOO_LONG"
 * when the two together exceed SCAP_MAX_PATH_SIZE, like libsinsp.
 * Examples: ("/home/u/", "a/../b") → "/home/u/b"; ("/", "..") → "/"; ("/x/", "/etc//passwd/") → "/etc/passwd".
 */
export function concatenatePaths(dir: string, path: string): string {
  if (dir.length + path.length + 1 > SCAP_MAX_PATH_SIZE) return "/DIR_TOO_LONG/FILENAME_TOO_LONG";
  // Memo of recent (dir, path) pairs, direct-mapped by lengths and last character: the same open
  // path repeats (and decoded strings are often the same object), so the result is returned
  // without scanning or concatenating, and is the same string object each time.
  const pl = path.length;
  const slot = (pl ^ (dir.length << 3) ^ (pl > 0 ? path.charCodeAt(pl - 1) << 6 : 0)) & (PATH_MEMO_SIZE - 1);
  if (memoPath[slot] === path && memoDir[slot] === dir) return memoOut[slot]!;
  const r = concatenateUncached(dir, path);
  memoPath[slot] = path;
  memoDir[slot] = dir;
  memoOut[slot] = r;
  return r;
}

const PATH_MEMO_SIZE = 512;
const memoPath: (string | undefined)[] = new Array<string | undefined>(PATH_MEMO_SIZE).fill(undefined);
const memoDir: string[] = new Array<string>(PATH_MEMO_SIZE).fill("");
const memoOut: string[] = new Array<string>(PATH_MEMO_SIZE).fill("");

function concatenateUncached(dir: string, path: string): string {
  let out: string;
  if (path.length !== 0 && path.charCodeAt(0) !== SLASH) out = dir;
  else out = "";
  const emptyBase = out.length === 0;
  // Fast path: nothing to normalise in `path` (no "." segment, no "//", no trailing "/").
  if (isClean(path)) {
    const r = out + path;
    return r;
  }
  let tc = out.length;
  const t: number[] = new Array(tc + path.length);
  for (let i = 0; i < tc; i++) t[i] = out.charCodeAt(i);
  let pc = 0;
  const n = path.length;
  const rewind = (delta: number): void => {
    if (tc <= 1) {
      pc += delta;
      return;
    }
    tc--;
    while (tc >= 1 && t[tc - 1] !== SLASH) tc--;
    pc += delta;
  };
  for (;;) {
    if (pc >= n) {
      if (tc > 1 && t[tc - 1] === SLASH) tc--;
      break;
    }
    const c = path.charCodeAt(pc);
    if (c === DOT && (tc === 0 || t[tc - 1] === SLASH)) {
      const c1 = pc + 1 < n ? path.charCodeAt(pc + 1) : 0;
      const c2 = pc + 2 < n ? path.charCodeAt(pc + 2) : 0;
      if (c1 === DOT && c2 === SLASH) rewind(3);
      else if (c1 === DOT && pc + 2 >= n) rewind(2);
      else if (c1 === SLASH) pc += 2;
      else if (pc + 1 >= n) pc++;
      else t[tc++] = path.charCodeAt(pc++);
    } else if (c === SLASH) {
      if ((tc > 0 && t[tc - 1] === SLASH) || (tc === 0 && !emptyBase)) pc++;
      else t[tc++] = path.charCodeAt(pc++);
    } else {
      t[tc++] = path.charCodeAt(pc++);
    }
  }
  let s = "";
  for (let i = 0; i < tc; i += 4096) s += String.fromCharCode.apply(null, t.slice(i, Math.min(tc, i + 4096)));
  return s;
}

/** True if `p` has no "." or ".." segment, no "//" and does not end with "/" (other than being "/"). */
function isClean(p: string): boolean {
  const n = p.length;
  if (n === 0) return true;
  if (n > 1 && p.charCodeAt(n - 1) === SLASH) return false;
  let prevSlash = true;
  for (let i = 0; i < n; i++) {
    const c = p.charCodeAt(i);
    if (c === SLASH) {
      if (prevSlash && i > 0) return false;
      prevSlash = true;
    } else {
      if (c === DOT && prevSlash) return false;
      prevSlash = false;
    }
  }
  return true;
}

/**
 * The new cwd after chdir(path) from `cwd` (sinsp_threadinfo::update_cwd): concatenated and
 * normalised, always ending with "/".
 */
export function updateCwd(cwd: string, path: string): string {
  const r = concatenatePaths(cwd, path);
  return r.length === 0 || r.charCodeAt(r.length - 1) !== SLASH ? r + "/" : r;
}
