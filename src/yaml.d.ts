// Bun imports `*.yaml` files `with { type: "text" }` as their text (embedded by `bun build --compile`).
declare module "*.yaml" {
  const text: string;
  export default text;
}
