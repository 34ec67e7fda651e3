// node:crypto, loaded when first used: loading it costs ~6 ms of a ~70 ms `trainbot compare`, which needs none
// of it without a signing key (docs/benchmarks.md). process.getBuiltinModule, not `import`, so nothing loads it early.
export function nodeCrypto(): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto');
}
