// Command-line argument reading for dist/cli.js: node:util parseArgs, with every mistake turned into a
// UsageError (exit 2, no stack trace) that names the option and what it needs.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line: printed without a stack trace, exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export function readArgs(command: string, args: readonly string[], options: Options, { positionals = 0 }: { positionals?: number } = {}): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: positionals > 0 });
  } catch (error) {
    // parseArgs' messages are already precise ("Unknown option '--alpah'"); drop its suggestion about '--'.
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${command}: ${message}`);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[positionals]}"${positionals === 0 ? ' (this command takes options only)' : ''}`);
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
}

export function requiredString(command: string, values: ParsedArgs['values'], name: string, what: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`${command}: --${name} <${what}> is required`);
  return value;
}

export function optionalNumber(command: string, values: ParsedArgs['values'], name: string, fallback: number): number {
  const value = values[name];
  if (value === undefined) return fallback;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(number)) throw new UsageError(`${command}: --${name} must be a number, got "${String(value)}"`);
  return number;
}
