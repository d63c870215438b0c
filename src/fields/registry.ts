/**
 * The field registry: every filter/output field (Falco/libsinsp names such as `proc.name`,
 * `fd.name`, `evt.arg.flags`) with its type and extractor. The rules compiler binds field names
 * to extractors only through this module; the parser knows nothing of fields.
 * Source of names, types and flags: falcosecurity/libs userspace/libsinsp/sinsp_filtercheck_*.cpp
 * (table in ../shared/conformance/libsinsp_0.25.4_fields.json) and the container plugin's README.
 */
import type { Event } from "../events/event.ts";

/** Field value types, named as libsinsp's ppm_param_type for fields (PT_* without the prefix). */
export type FieldType =
  | "CHARBUF" | "BYTEBUF" | "FSPATH" | "FSRELPATH"
  | "INT8" | "INT16" | "INT32" | "INT64"
  | "UINT8" | "UINT16" | "UINT32" | "UINT64"
  | "BOOL" | "RELTIME" | "ABSTIME" | "PORT" | "L4PROTO" | "SOCKFAMILY"
  | "IPADDR" | "IPNET" | "IPV4ADDR" | "IPV6ADDR" | "IPV4NET" | "IPV6NET"
  | "DOUBLE" | "MODE" | "UID" | "GID" | "ERRNO" | "FD" | "PID" | "FLAGS32" | "DYN";

/**
 * A field value as the compiler/evaluator sees it:
 * - strings for CHARBUF/FSPATH/IPADDR (text form)/...;
 * - numbers for integer types that fit in 2^53, bigint for 64-bit values that may not (ABSTIME, caps);
 * - booleans for BOOL;
 * - Uint8Array for BYTEBUF;
 * - arrays of the above for list fields (EPF_IS_LIST, e.g. `proc.args` is not a list, `fd.types` is);
 * - `undefined`: the field could not be extracted for this event. Every comparison on it is false
 *   (libsinsp: a failed extraction makes the check false), and outputs print `<NA>`.
 */
export type FieldValue = string | number | bigint | boolean | Uint8Array | FieldValue[] | undefined;

/** How a field takes an argument in brackets: `proc.aname[2]`, `evt.arg.flags`/`evt.arg[1]`. */
export type FieldArgMode = "none" | "optional" | "required";

/**
 * A bound extractor: called once per event with the Event view (whose `thread`/`fdInfo` the
 * state engine has set). Must not retain the event; must not throw for missing data (return undefined).
 */
export type Extractor = (ev: Event) => FieldValue;

/** One field's definition. */
export interface FieldDef {
  /** Full name as written in rules, e.g. "proc.name"; for dynamic families the prefix, e.g. "evt.arg". */
  readonly name: string;
  readonly type: FieldType;
  readonly desc: string;
  /** Field class for --list grouping, e.g. "process", "fd", "evt", "container". */
  readonly cls: string;
  readonly arg: FieldArgMode;
  /** EPF_* flags from libsinsp: IS_LIST, NO_RHS, TABLE_ONLY, FILTER_ONLY, PRINT_ONLY, DEPRECATED, NO_TRANSFORMER. */
  readonly flags?: readonly string[];
  /**
   * Bind the extractor for a given bracket argument (undefined when none given). Throws
   * FieldError when the argument is malformed or not allowed (message as Falco's).
   */
  bind(arg: string | undefined): Extractor;
}

/** Error binding a field (unknown field, bad argument). `message` follows Falco's wording. */
export class FieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FieldError";
  }
}

/** A resolved field reference: definition plus the bound extractor and effective type. */
export interface BoundField {
  readonly def: FieldDef;
  readonly arg: string | undefined;
  /** Type of values extract() returns (may depend on arg, e.g. evt.arg.<name> of an int param is still CHARBUF in libsinsp). */
  readonly type: FieldType;
  readonly extract: Extractor;
  /**
   * Present for the fields whose filter comparison is not a comparison of `extract`'s value
   * (libsinsp compare_nocache overrides). The check holds when the operator holds for ANY of
   * `values(ev)`, except for `!=` when `neAll` is true: then it holds only if EVERY value differs.
   * `values` returning undefined makes every comparison false (`exists` included); an empty array
   * makes `exists` true and every other comparison false.
   * - fd.ip, fd.port, fd.proto, fd.net (EPF_FILTER_ONLY): client and server side (compare_ip,
   *   compare_port, compare_net); `neAll` true.
   * - proc.aname, proc.aexe, proc.aexepath, proc.acmdline, proc.apid without an index, proc.aenv
   *   without a name: every ancestor (compare_full_aname & co.); `neAll` false. Their `extract`
   *   (outputs) is the space-joined text of all ancestors.
   */
  readonly multi?: MultiCompare;
  /**
   * libsinsp print format of the value for outputs, PF_* without the prefix: "DEC", "HEX" (upper
   * case, no 0x), "OCT", "ID", "10_PADDED_DEC", "DIR", "NA". Per parameter for evt.rawarg.X (e.g.
   * "HEX" for open flags); from the field table otherwise.
   */
  readonly print?: string;
  /**
   * Present when Falco's JSON `output_fields` value differs from `extract` (libsinsp
   * extract_as_js): evt.time, evt.time.s, evt.time.iso8601, evt.datetime, evt.datetime.s give the
   * event timestamp in ns as a bigint.
   */
  readonly json?: Extractor;
  /**
   * Present for fd.cip.name, fd.sip.name, fd.lip.name, fd.rip.name (libsinsp
   * sinsp_filter_check_fd::compare_nocache + compare_domain): `extract` is the reverse DNS-table
   * lookup of the fd's address (name_of); when it gives no name, a comparison with constants asks
   * whether the address is among the constant name's resolved addresses (see DomainCompare).
   */
  readonly domain?: DomainCompare;
}

/**
 * libsinsp compare_domain for the fd.*ip.name fields, used by the compiler when `extract` yields
 * nothing: `exists` holds if `target` is not undefined; `=` holds if `match(first constant, target)`,
 * `!=` if it does not, `in` if it holds for some constant; every other operator is false (libsinsp
 * throws "fd.*ip.name filter only supports '=' and '!=' operators" at run time). A `target` of ""
 * (fd known but not a connected IPv4/IPv6 socket) makes everything but `exists` false.
 */
export interface DomainCompare {
  /** The address compare_domain checks (FdInfo text form), "" if none, undefined without an fd. */
  readonly target: (ev: Event) => string | undefined;
  /** sinsp_dns_manager::match. */
  readonly match: (name: string, ip: string) => boolean;
  /** Called by the compiler for each constant name of an `=`/`!=`/`in` check (pre-resolution). */
  readonly prefetch: (name: string) => void;
}

/** Filter-comparison values of a field with libsinsp's special compare semantics (see BoundField.multi). */
export interface MultiCompare {
  readonly values: (ev: Event) => FieldValue[] | undefined;
  readonly neAll: boolean;
}

/** Lookup interface the compiler uses. Implemented by `src/fields/index.ts` (all classes). */
export interface FieldRegistry {
  /** Find the definition matching a field name (longest-prefix match for families like `evt.arg.`). */
  lookup(name: string): FieldDef | undefined;
  /** Resolve name+arg to a bound field. @throws FieldError for unknown fields or bad args. */
  bind(name: string, arg: string | undefined): BoundField;
  /** All definitions, for --list. */
  all(): readonly FieldDef[];
}
