// Usage errors found after flag parsing; the CLI exits with code 2 for them, as for bad flags.

export class UsageError extends Error {}
