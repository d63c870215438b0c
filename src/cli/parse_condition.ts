/**
 * `falco-ts parse-condition EXPR`: syntax only (no field or macro checking, no expansion); prints
 * the AST in libsinsp's as_string form and exits 0, or `column N: message` on stderr and exits 1.
 */
import { asString } from "../rules/ast.ts";
import { ConditionSyntaxError, parseCondition } from "../rules/parser.ts";

/** Run the command; @returns the exit code. */
export function parseConditionCommand(expr: string): number {
  try {
    const ast = parseCondition(expr);
    process.stdout.write(`${asString(ast)}\n`);
    return 0;
  } catch (e) {
    if (e instanceof ConditionSyntaxError) {
      process.stderr.write(`column ${e.column}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
}
