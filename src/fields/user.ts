/**
 * `user.*` fields (libs userspace/libsinsp sinsp_filtercheck_user.cpp, libsinsp 0.25.4): the
 * thread's uid/loginuid resolved through the user database of the thread's container
 * (FieldContext.users).
 * Unknown users print "<NA>" as a real string value (libsinsp does so), except uid 0 which
 * resolves to "root" (and "/root" for the home directory) even without a database entry.
 */
import type { FieldContext } from "./context.ts";
import { type Binder, type FieldClassImpl, withThread } from "./defs.ts";

/** Build the user.* implementations bound to a context. */
export function userFields(ctx: FieldContext): FieldClassImpl {
  const T = withThread;
  const binders: Record<string, Binder> = {
    "user.uid": () => T((t) => t.uid >>> 0),
    "user.name": () => T((t) => {
      const u = ctx.users.get(t.uid >>> 0, t.containerId, t.pid);
      return u ? u.name : t.uid === 0 ? "root" : "<NA>";
    }),
    "user.homedir": () => T((t) => {
      const u = ctx.users.get(t.uid >>> 0, t.containerId, t.pid);
      return u ? u.homedir : t.uid === 0 ? "/root" : "<NA>";
    }),
    "user.shell": () => T((t) => ctx.users.get(t.uid >>> 0, t.containerId, t.pid)?.shell ?? "<NA>"),
    // loginuid is a u32 in the thread; (u32)-1 means unset and prints -1.
    "user.loginuid": () => T((t) => {
      const v = t.loginuid >>> 0;
      return v < 0xffffffff ? v : -1;
    }),
    "user.loginname": () => T((t) => {
      const v = t.loginuid >>> 0;
      const u = ctx.users.get(v, t.containerId, t.pid);
      return u ? u.name : v === 0 ? "root" : "<NA>";
    }),
  };
  return { binders };
}
