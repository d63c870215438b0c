/**
 * Default syntax check of a rule's output format, used when the caller does not provide the real
 * output compiler (`compileOutput` option of the loader). It checks what libsinsp's
 * sinsp_evt_formatter::set_format rejects most often: every `%field` / `%(field)` token must name
 * a known field. Error text as libsinsp's: "invalid formatting token <token>" (Falco downgrades
 * it to a LOAD_UNKNOWN_FILTER warning for rules with skip-if-unknown-filter).
 */
import type { FieldRegistry } from "../fields/registry.ts";

/** Error of the default output check (message as libsinsp's). */
export class OutputFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OutputFormatError";
  }
}

function fieldKnown(tok: string, reg: FieldRegistry): boolean {
  const m = /^([^[\]]+)(?:\[(.*)\])?$/s.exec(tok);
  if (!m) return false;
  const def = reg.lookup(m[1]!);
  if (!def) return false;
  try {
    reg.bind(m[1]!, m[2]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Check an output format string against the field registry.
 * @throws OutputFormatError "invalid formatting token X" for an unknown field token.
 */
export function checkOutputFormat(fmt: string, reg: FieldRegistry): void {
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== "%") continue;
    if (i + 1 >= fmt.length) break;
    let tok: string;
    if (fmt[i + 1] === "(") {
      const end = fmt.indexOf(")", i + 2);
      if (end < 0) throw new OutputFormatError(`missing ')' in format string '${fmt}'`);
      tok = fmt.slice(i + 2, end).trim();
      i = end;
    } else {
      const m = /^[A-Za-z0-9_.]+(\[[^\]]*\])?/.exec(fmt.slice(i + 1));
      if (!m) continue;
      tok = m[0].replace(/[.]+$/, "");
      i += m[0].length;
    }
    if (tok === "") continue;
    if (!fieldKnown(tok, reg)) throw new OutputFormatError(`invalid formatting token ${tok}`);
  }
}
