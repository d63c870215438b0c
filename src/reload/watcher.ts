/**
 * Watch rules files, rules directories and the config file, and call back (debounced) when any of
 * them may have changed: create, write-close, rename/move in and out, delete, editors' atomic
 * saves (write a temp file, rename over), and symlink swaps such as Kubernetes ConfigMap volumes
 * (`..data -> ..2024_xx` replaced atomically).
 *
 * How: inotify through node:fs `watch` on the *directory* of every watched file and on every
 * watched directory (a watch on a file's inode is lost when an editor or a ConfigMap update
 * replaces it), plus a content fingerprint (path → size/mtime/ino of the resolved target) checked
 * on every notification and on a slow periodic poll, so changes through symlink swaps or
 * bind-mounted files replaced on the host (inode change invisible to inotify in the container)
 * are still seen. Falco's own watcher missed `mv` into a rules dir until 0.37 (falco#2943).
 */
import { type FSWatcher, readdirSync, statSync, watch } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Options for RulesWatcher. */
export interface WatchOptions {
  /** Debounce after the last notification before calling back, ms (default 100). */
  debounceMs?: number;
  /** Fallback poll interval, ms (default 1000; 0 disables polling). */
  pollMs?: number;
}

function fingerprintPath(p: string, out: string[]): void {
  try {
    const st = statSync(p); // follows symlinks: a swapped ..data link changes the target's ino
    if (st.isDirectory()) {
      out.push(`D ${p}`);
      let names: string[] = [];
      try {
        names = readdirSync(p).filter((n) => /\.ya?ml$/.test(n)).sort();
      } catch {
        /* unreadable dir: fingerprint as is */
      }
      for (const n of names) fingerprintFile(join(p, n), out);
    } else fingerprintFile(p, out);
  } catch {
    out.push(`- ${p}`);
  }
}

function fingerprintFile(p: string, out: string[]): void {
  try {
    const st = statSync(p);
    out.push(`F ${p} ${st.ino} ${st.size} ${st.mtimeMs} ${st.ctimeMs}`);
  } catch {
    out.push(`- ${p}`);
  }
}

/** Debounced watcher over a set of files and directories. Call `close()` to stop. */
export class RulesWatcher {
  private readonly watchers: FSWatcher[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private poller: ReturnType<typeof setInterval> | null = null;
  private last: string;
  private closed = false;
  private readonly paths: string[];
  private readonly debounceMs: number;

  /**
   * @param paths files and directories to watch (missing ones are watched through their parent).
   * @param onChange called after the debounce when the fingerprint of the paths changed.
   */
  constructor(paths: readonly string[], private readonly onChange: () => void, opts: WatchOptions = {}) {
    this.paths = [...new Set(paths.map((p) => resolve(p)))];
    this.debounceMs = opts.debounceMs ?? 100;
    this.last = this.fingerprint();
    const dirs = new Set<string>();
    for (const p of this.paths) {
      let isDir = false;
      try {
        isDir = statSync(p).isDirectory();
      } catch {
        /* missing: watch the parent */
      }
      if (isDir) dirs.add(p);
      dirs.add(dirname(p));
    }
    for (const d of dirs) {
      try {
        const w = watch(d, { persistent: false }, () => this.kick());
        w.on("error", () => {
          /* directory vanished: the poller still covers it */
        });
        this.watchers.push(w);
      } catch {
        /* cannot watch (missing dir): covered by polling */
      }
    }
    const pollMs = opts.pollMs ?? 1000;
    if (pollMs > 0) {
      this.poller = setInterval(() => this.check(), pollMs);
      (this.poller as { unref?: () => void }).unref?.();
    }
  }

  private fingerprint(): string {
    const out: string[] = [];
    for (const p of this.paths) fingerprintPath(p, out);
    return out.join("\n");
  }

  private kick(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.check();
    }, this.debounceMs);
  }

  private check(): void {
    if (this.closed) return;
    const fp = this.fingerprint();
    if (fp === this.last) return;
    this.last = fp;
    this.onChange();
  }

  /** Stop watching. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
    for (const w of this.watchers) w.close();
  }
}
