// The `convkit` command line: `convkit <command> [options]`. Each command prints a readable summary, or
// its result as JSON with --json; --help on each. Exit codes: 0 done, 1 the work failed (bad image,
// bad model file, ...), 2 the command line is wrong. Errors are one line on stderr.
import { init } from '../backend';
import { didYouMean } from '../errors';
import type { BackendName } from '../backend';
import { type Command, type Parsed, UsageError, parseCommand, helpText } from './command';
import { edgesCommand } from './edges';
import { augmentCommand } from './augment';
import { trainCommand } from './train';
import { detectCommand } from './detect';
import { facesCommand } from './faces';
import { styleCommand } from './style';
import { doctorCommand } from './doctor';
import { packageDir } from '../platform';
import { explainCommand } from './explain';
import { infoCommand, convertCommand } from './onnx';
import { benchCommand } from './bench';

/** Every command, in the order `convkit --help` lists them. A new command is one entry here. */
export const COMMANDS: readonly Command[] = [
  trainCommand,
  edgesCommand,
  augmentCommand,
  detectCommand,
  facesCommand,
  styleCommand,
  explainCommand,
  infoCommand,
  convertCommand,
  benchCommand,
  doctorCommand(() => COMMANDS),
];

/** Where main() writes; tests pass their own. */
export interface Output {
  stdout(s: string): void;
  stderr(s: string): void;
  stderrIsTTY?: boolean;
}

const processOutput: Output = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stderrIsTTY: !!process.stderr.isTTY,
};

const BACKENDS = ['js', 'wasm', 'wasm-simd'];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'convkit: convolutional networks in JavaScript (WebAssembly SIMD)',
    '',
    'usage: convkit <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'every command takes --help, --json (print the result as JSON) and --backend js|wasm|wasm-simd',
  ].join('\n');
}

/** Fails with one line naming the npm install to run when a package the command needs is missing. */
export async function checkNeeds(cmd: Command, args: Parsed): Promise<void> {
  for (const n of cmd.needs ?? []) {
    if (n.unless && args.values[n.unless] !== undefined && args.values[n.unless] !== cmd.options[n.unless]?.default)
      continue;
    if (!(await packageDir(n.package)))
      throw new Error(`needs the ${n.package} package for ${n.for}: npm install ${n.package}`);
  }
}

/** Runs `convkit` with the arguments after the program name; resolves to the exit code. */
export async function main(argv: readonly string[], out: Output = processOutput): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    out.stderr(overview() + '\n');
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    out.stdout(overview() + '\n');
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    out.stderr(
      `convkit: unknown command '${name}'${didYouMean(
        name,
        COMMANDS.map((c) => c.name),
      )} (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see convkit --help)\n`,
    );
    return 2;
  }
  const withBackend: Command = {
    ...cmd,
    options: {
      ...cmd.options,
      backend: {
        type: 'string',
        arg: 'NAME',
        help: 'kernels: js | wasm | wasm-simd (default: the fastest that loads)',
      },
    },
  };
  try {
    const args = parseCommand(withBackend, [...rest]);
    if (args.values.help) {
      out.stdout(helpText(withBackend) + '\n');
      return 0;
    }
    const backend = args.values.backend as string | undefined;
    if (backend !== undefined && !BACKENDS.includes(backend))
      throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${backend}'`);
    await checkNeeds(cmd, args);
    await init(backend ? { backend: backend as BackendName } : {});
    const json = !!args.values.json;
    const result = await cmd.run(args, json ? () => {} : (line) => out.stdout(line + '\n'), {
      write: (s) => out.stderr(s),
      isTTY: !!out.stderrIsTTY,
    });
    if (json) out.stdout(JSON.stringify(result, null, 2) + '\n');
    return 0;
  } catch (e) {
    const msg = String((e as Error)?.message ?? e).split('\n')[0];
    if (e instanceof UsageError) {
      out.stderr(`convkit ${name}: ${msg} (see convkit ${name} --help)\n`);
      return 2;
    }
    out.stderr(`convkit ${name}: ${msg}\n`);
    return 1;
  }
}
