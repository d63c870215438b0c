/**
 * Users and groups (libsinsp sinsp_usergroup_manager, falcosecurity/libs
 * userspace/libsinsp/user.cpp): host entries from `${HOST_ROOT}/etc/passwd` and `/etc/group`,
 * container entries from `${HOST_ROOT}/proc/<pid>/root/etc/{passwd,group}`, plus entries from scap
 * user lists and useradded/groupadded events.
 *
 * Lookups are cached; on a miss the files are re-read at most once per `refreshMs` (default 5 s).
 * Unknown ids return undefined; the field layer then applies libsinsp's fallbacks
 * (sinsp_filtercheck_user.cpp): user.name "root" for uid 0 else "<NA>", user.homedir "/root" for
 * uid 0 else "<NA>", user.shell "<NA>", group.name "<NA>" (see `userNameOrNA` and friends).
 */
import { readFileSync } from "node:fs";

/** One user (scap_userinfo). */
export interface UserInfo {
  uid: number;
  gid: number;
  name: string;
  homedir: string;
  shell: string;
}

/** One group (scap_groupinfo). */
export interface GroupInfo {
  gid: number;
  name: string;
}

interface Db {
  users: Map<number, UserInfo>;
  groups: Map<number, GroupInfo>;
  /** Last time the files were (re)read, ms since the epoch; 0 = never. */
  loadedAt: number;
  /** Path prefix of etc/ for this db ("" host, "/proc/PID/root" for a container). */
  root: string;
}

/** Parse /etc/passwd text ("name:x:uid:gid:gecos:home:shell"), skipping NSS "+"/"-" entries and bad lines. */
export function parsePasswd(text: string): UserInfo[] {
  const out: UserInfo[] = [];
  for (const line of text.split("\n")) {
    if (!line || line[0] === "#" || line[0] === "+" || line[0] === "-") continue;
    const f = line.split(":");
    if (f.length < 7) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ uid, gid, name: f[0]!, homedir: f[5]!, shell: f[6]! });
  }
  return out;
}

/** Parse /etc/group text ("name:x:gid:members"). */
export function parseGroup(text: string): GroupInfo[] {
  const out: GroupInfo[] = [];
  for (const line of text.split("\n")) {
    if (!line || line[0] === "#" || line[0] === "+" || line[0] === "-") continue;
    const f = line.split(":");
    if (f.length < 3) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ gid, name: f[0]! });
  }
  return out;
}

/**
 * Users and groups per container ("" = host). `hostRoot` defaults to $HOST_ROOT (or "").
 * Set `readFiles` false for capture replay: only scap user lists and events feed it.
 */
export class UserGroupManager {
  private readonly dbs = new Map<string, Db>();
  /** Read host/container files on demand (live mode). */
  readFiles: boolean;

  constructor(
    public hostRoot: string = process.env.HOST_ROOT ?? "",
    opts: { readFiles?: boolean; refreshMs?: number } = {},
  ) {
    this.readFiles = opts.readFiles ?? true;
    this.refreshMs = opts.refreshMs ?? 5000;
  }
  /** Minimum interval between re-reads of a db's files on a lookup miss, ms. */
  refreshMs: number;

  /** `{get(uid, containerId)}` view for the field layer (FieldContext.users). */
  readonly userView = { get: (uid: number, containerId: string): UserInfo | undefined => this.getUser(uid, containerId) };
  /** `{get(gid, containerId)}` view for the field layer (FieldContext.groups). */
  readonly groupView = { get: (gid: number, containerId: string): GroupInfo | undefined => this.getGroup(gid, containerId) };

  private db(containerId: string, pid: number): Db {
    const key = containerId === "host" ? "" : containerId;
    let d = this.dbs.get(key);
    if (!d) {
      d = { users: new Map(), groups: new Map(), loadedAt: 0, root: key === "" ? this.hostRoot : `${this.hostRoot}/proc/${pid}/root` };
      this.dbs.set(key, d);
    } else if (key !== "" && pid > 0) {
      d.root = `${this.hostRoot}/proc/${pid}/root`;
    }
    return d;
  }

  private load(d: Db): void {
    d.loadedAt = Date.now();
    try {
      for (const u of parsePasswd(readFileSync(`${d.root}/etc/passwd`, "utf8"))) d.users.set(u.uid, u);
    } catch {
      /* missing or unreadable: keep what we have */
    }
    try {
      for (const g of parseGroup(readFileSync(`${d.root}/etc/group`, "utf8"))) d.groups.set(g.gid, g);
    } catch {
      /* ignore */
    }
  }

  private maybeLoad(d: Db): boolean {
    if (!this.readFiles) return false;
    if (d.loadedAt !== 0 && Date.now() - d.loadedAt < this.refreshMs) return false;
    this.load(d);
    return true;
  }

  /**
   * User by uid in a container ("" or "host" for the host); `pid` locates a container's root fs.
   * Returns undefined when unknown (also for uid 0xFFFFFFFF).
   */
  getUser(uid: number, containerId = "", pid = -1): UserInfo | undefined {
    if (uid === 0xffffffff || uid === -1) return undefined;
    const d = this.db(containerId, pid);
    let u = d.users.get(uid);
    if (!u && this.maybeLoad(d)) u = d.users.get(uid);
    return u;
  }

  /** Group by gid; undefined when unknown. */
  getGroup(gid: number, containerId = "", pid = -1): GroupInfo | undefined {
    if (gid === 0xffffffff || gid === -1) return undefined;
    const d = this.db(containerId, pid);
    let g = d.groups.get(gid);
    if (!g && this.maybeLoad(d)) g = d.groups.get(gid);
    return g;
  }

  /** user.name (libsinsp): the name, "root" for unknown uid 0, else "<NA>". */
  userName(uid: number, containerId = "", pid = -1): string {
    const u = this.getUser(uid, containerId, pid);
    return u ? u.name : uid === 0 ? "root" : "<NA>";
  }
  /** user.homedir: the home, "/root" for unknown uid 0, else "<NA>". */
  homedir(uid: number, containerId = "", pid = -1): string {
    const u = this.getUser(uid, containerId, pid);
    return u ? u.homedir : uid === 0 ? "/root" : "<NA>";
  }
  /** user.shell: the shell, else "<NA>". */
  shell(uid: number, containerId = "", pid = -1): string {
    const u = this.getUser(uid, containerId, pid);
    return u ? u.shell : "<NA>";
  }
  /** group.name: the name, "root" for unknown gid 0 (libsinsp adds it as "root"), else "<NA>". */
  groupName(gid: number, containerId = "", pid = -1): string {
    const g = this.getGroup(gid, containerId, pid);
    return g ? g.name : gid === 0 ? "root" : "<NA>";
  }

  /**
   * Remember a live process of container `containerId` so its /etc/passwd and /etc/group can be
   * read through /proc/PID/root (called by the state engine on execve/clone).
   */
  noteContainerPid(containerId: string, pid: number): void {
    if (containerId === "" || containerId === "host" || pid <= 0) return;
    this.db(containerId, pid);
  }

  /** Add or update a user (scap user list entry, PPME_USER_ADDED_E). */
  addUser(u: UserInfo, containerId = ""): void {
    const d = this.db(containerId, -1);
    d.users.set(u.uid, { ...u });
  }
  /** Remove a user (PPME_USER_DELETED_E). */
  removeUser(uid: number, containerId = ""): void {
    this.db(containerId, -1).users.delete(uid);
  }
  /** Add or update a group (scap user list entry, PPME_GROUP_ADDED_E). */
  addGroup(g: GroupInfo, containerId = ""): void {
    this.db(containerId, -1).groups.set(g.gid, { ...g });
  }
  /** Remove a group (PPME_GROUP_DELETED_E). */
  removeGroup(gid: number, containerId = ""): void {
    this.db(containerId, -1).groups.delete(gid);
  }
  /** All known users and groups of a container (for the scap writer's user list). */
  entries(containerId = ""): { users: UserInfo[]; groups: GroupInfo[] } {
    const d = this.db(containerId, -1);
    if (d.loadedAt === 0) this.maybeLoad(d);
    return { users: [...d.users.values()], groups: [...d.groups.values()] };
  }
}
