/**
 * Binary build outputs imported with `with { type: "file" }` (Bun): the default export is a file
 * path (a real path under `bun run`, a `/$bunfs/...` path inside a `bun build --compile` binary).
 */
declare module "*.bpf.o" {
  const path: string;
  export default path;
}
declare module "*.so" {
  const path: string;
  export default path;
}
declare module "*.so.1" {
  const path: string;
  export default path;
}
