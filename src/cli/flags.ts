/**
 * The strict flag scanner `bench` and `convert` share (node:util's parseArgs, which `analyze` and `check-log`
 * use, accepts `--flag=` and a flag's value that is itself a flag; these two commands refuse both, and name
 * the flag given twice with both values). `--name=value` takes everything after the first `=` as the value
 * (`--ep=webgpu=garbage` is the value "webgpu=garbage", for the caller to refuse); `--` ends the flags.
 */

/** A usage error: exit code 2 and the usage; `help` when -h / --help was asked for (exit 0, stdout). */
export class UsageError extends Error {
  constructor(message: string, readonly help = false) {
    super(message);
  }
}

/** What was given: valued flags, the boolean flags present, and the positional arguments. */
export interface ScannedFlags {
  values: Map<string, string>;
  booleans: Set<string>;
  positional: string[];
}

/** Scans `args` against the command's flags; throws {@link UsageError} on anything not in them. */
export function scanFlags(args: string[], spec: { valued: readonly string[]; booleans: readonly string[] }): ScannedFlags {
  const values = new Map<string, string>();
  const booleans = new Set<string>();
  const positional: string[] = [];
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') help = true;
    else if (spec.booleans.includes(arg)) booleans.add(arg);
    else if (arg.startsWith('-') && arg !== '-') {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg : arg.slice(0, eq);
      if (name === '--help' || spec.booleans.includes(name)) throw new UsageError(`${name} takes no value (got ${JSON.stringify(arg)})`);
      if (!spec.valued.includes(name)) throw new UsageError(`unknown flag ${name}`);
      let value: string | undefined;
      if (eq >= 0) value = arg.slice(eq + 1);
      else {
        value = args[i + 1];
        if (value !== undefined && value.startsWith('--')) throw new UsageError(`${name} needs a value (got the flag ${value})`);
        i++;
      }
      if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
      if (values.has(name)) throw new UsageError(`${name} given twice (${JSON.stringify(values.get(name))}, then ${JSON.stringify(value)}); give it once`);
      values.set(name, value);
    } else positional.push(arg);
  }
  if (help) throw new UsageError('', true);
  return { values, booleans, positional };
}
