// Runs the built command line (dist/cli.js) as a user would, in a child process: exit status, stdout, stderr.
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../helpers/golden';

export const CLI = join(REPO_ROOT, 'dist/cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Run as this user and group (tests of permission errors, when the tests run as root). */
  user?: { uid: number; gid: number };
}

export function requireBuiltCli(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does).`);
}

let sharedCli: string | undefined;

/**
 * The CLI and ORT's wasm beside it, copied into a folder every user may read: a checkout can sit below a private
 * folder (a CI clone, a mktemp directory), where another user could not even start dist/cli.js.
 */
function cliForAnyUser(): string {
  if (sharedCli === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'facetext-cli-'));
    chmodSync(dir, 0o755);
    for (const name of readdirSync(dirname(CLI)).filter((file) => file === 'cli.js' || file.startsWith('ort-wasm'))) {
      copyFileSync(join(dirname(CLI), name), join(dir, name));
      chmodSync(join(dir, name), 0o644);
    }
    sharedCli = join(dir, 'cli.js');
  }
  return sharedCli;
}

export function cli(args: readonly string[], { env = {}, user }: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [user === undefined ? CLI : cliForAnyUser(), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...user });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
