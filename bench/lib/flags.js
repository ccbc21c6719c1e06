import { parseArgs } from 'node:util';

/**
 * Reads a benchmark's command line against its option table. Returns null for --help; otherwise the values and
 * `int(name, min, max)`, which reads a whole-number flag or throws a message naming the flag and its range.
 */
export function readFlags(argv, options) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options, strict: true }));
  } catch (e) {
    throw new Error(`${e.message} (run with --help for usage)`, { cause: e });
  }
  if (values.help) return null;
  const int = (name, min, max) => {
    const n = /^\d+$/.test(values[name]) ? Number(values[name]) : NaN;
    if (!(n >= min && n <= max))
      throw new Error(`--${name} must be a whole number from ${min} to ${max}; got ${values[name]}`);
    return n;
  };
  return { values, int };
}
