/**
 * `fdlist.*` fields (libs userspace/libsinsp sinsp_filtercheck_fdlist.cpp, libsinsp 0.25.4): the
 * fds of poll/ppoll exit events, as comma-separated text; <NA> when nothing is listed.
 */
import { PPME } from "../events/event_table.ts";
import { FdType } from "../state/types.ts";
import type { FieldContext } from "./context.ts";
import type { Binder, FieldClassImpl } from "./defs.ts";
import type { Extractor } from "./registry.ts";

type Kind = "nums" | "names" | "cips" | "sips" | "cports" | "sports";

/** Build the fdlist.* implementations bound to a context. */
export function fdlistFields(_ctx: FieldContext): FieldClassImpl {
  const field = (kind: Kind): Extractor => (ev) => {
    if (ev.type !== PPME.SYSCALL_POLL_X && ev.type !== PPME.SYSCALL_PPOLL_X) return undefined;
    const t = ev.thread;
    if (!t || ev.nparams < 2) return undefined;
    const b = ev.bytes(1);
    if (b.length < 2) return undefined;
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    const n = dv.getUint16(0, true);
    let s = "";
    let pos = 2;
    for (let j = 0; j < n && pos + 8 <= b.length; j++, pos += 10) {
      const fdn = Number(dv.getBigInt64(pos, true));
      const fd = t.fds.get(fdn);
      let item: string | undefined;
      const sock = fd && (fd.type === FdType.IPV4_SOCK || fd.type === FdType.IPV6_SOCK);
      switch (kind) {
        case "nums": item = String(fdn); break;
        case "names": item = fd && fd.name !== "" ? fd.name : "<NA>"; break;
        case "cips": item = sock ? fd.sip : undefined; break;
        case "sips":
          item = sock ? fd.dip : fd && (fd.type === FdType.IPV4_SERVSOCK || fd.type === FdType.IPV6_SERVSOCK) ? fd.sip : undefined;
          break;
        case "cports": item = sock ? String(fd.sport) : undefined; break;
        case "sports": item = sock ? String(fd.dport) : undefined; break;
      }
      if (item !== undefined) s += item + ",";
    }
    if (s.endsWith(",")) s = s.slice(0, -1);
    return s === "" ? undefined : s;
  };
  const binders: Record<string, Binder> = {
    "fdlist.nums": () => field("nums"),
    "fdlist.names": () => field("names"),
    "fdlist.cips": () => field("cips"),
    "fdlist.sips": () => field("sips"),
    "fdlist.cports": () => field("cports"),
    "fdlist.sports": () => field("sports"),
  };
  return { binders };
}
