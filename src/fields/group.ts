/**
 * `group.*` fields (libs userspace/libsinsp sinsp_filtercheck_group.cpp, libsinsp 0.25.4): the
 * thread's gid resolved through the group database of its container (FieldContext.groups);
 * unknown groups print "<NA>" except gid 0 ("root").
 */
import type { FieldContext } from "./context.ts";
import { type Binder, type FieldClassImpl, withThread } from "./defs.ts";

/** Build the group.* implementations bound to a context. */
export function groupFields(ctx: FieldContext): FieldClassImpl {
  const T = withThread;
  const binders: Record<string, Binder> = {
    "group.gid": () => T((t) => t.gid >>> 0),
    "group.name": () => T((t) => {
      const g = ctx.groups.get(t.gid >>> 0, t.containerId, t.pid);
      return g ? g.name : t.gid === 0 ? "root" : "<NA>";
    }),
  };
  return { binders };
}
