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

/** A negative decimal number as users type it: -2.5, -.5, -1e-3. */
const NEGATIVE_NUMBER = /^-(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

export interface ReadArgsOptions {
  /** How many positional arguments the command takes (default 0). */
  positionals?: number;
  /** String options whose value is a number: "--alpha -2.5" reads -2.5 (StyleCLIP's "the other way"). */
  numbers?: readonly string[];
}

export function readArgs(command: string, args: readonly string[], options: Options, { positionals = 0, numbers = [] }: ReadArgsOptions = {}): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeNumbers(args, numbers), options, strict: true, allowPositionals: positionals > 0 });
  } catch (error) {
    // parseArgs' messages are already precise ("Unknown option '--alpah'"); drop its suggestion about '--'.
    // Its multi-line messages (an ambiguous value) become one line.
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\s*\n\s*/g, ' ');
    throw new UsageError(`${command}: ${message}`);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[positionals]}"${positionals === 0 ? ' (this command takes options only)' : ''}`);
  }
  return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
}

/**
 * parseArgs refuses "--alpha -2.5" as ambiguous (-2.5 could be an option). For a numeric option followed by a
 * negative number it cannot be one, so the two become "--alpha=-2.5". Anything else that starts with "-"
 * after an option that takes a value ("--prompt --alpha", "--alpha -x") is still refused. "--" ends options.
 */
function joinNegativeNumbers(args: readonly string[], numbers: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      joined.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    if (arg.startsWith('--') && numbers.includes(arg.slice(2)) && next !== undefined && NEGATIVE_NUMBER.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
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
