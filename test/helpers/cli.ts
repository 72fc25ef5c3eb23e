// Runs the `convkit` command in-process through main(), collecting what it writes.
import { main } from '../../src/cli/main';

/** The exit code and everything the command wrote to stdout and stderr. */
export async function runCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) });
  return { code, stdout, stderr };
}
