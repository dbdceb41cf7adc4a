// facetext command line (dist/cli.js): a dispatch table. User mistakes print one line, no stack trace:
// UsageError exits 2; EngineError, FileError and a refused file operation (EACCES, ENOSPC …) exit 1.
// Anything else is a bug and prints its stack (exit 70).
import { setFlagsFromString } from 'node:v8';
import { isEngineError } from '../ui/worker/errors';
import { OrtRuntime } from '../ui/worker/runtime/ort';
import { UsageError } from './cli-args';
import { editCommand } from './cli-edit';
import { packCommand } from './cli-pack';
import { tokenizeCommand } from './cli-tokenize';
import { FileError } from './file-error';

const USAGE = `Usage: facetext <command>

Commands:
  edit [--pack <dir>] --image <png|jpg> --out <png> [--face <n|all>]
       [--prompt "<target>"] [--neutral "<text>"] [--alpha n] [--beta n]
       [--mapper <name> [--strength n]]
                     edit the faces of a photo (0 = the largest, the default; all = every face) and paste
                     them back; prints one JSON line with the faces found, those edited and the first one's
                     alignment quad (defaults: α 4.1, β 0.15, neutral "face"; a negative α or strength
                     edits the other way; without --pack the demonstration pack models/packs/demo).
                     Images up to 16384 px a side and 100 MP; --out is never the --image file
  edit --pack <dir> --image <png|jpg> --aligned --out <png> [--preview] [edit options as above]
                     edit an aligned face (no detection); --preview renders at the largest preview size
  edit ... --latent <wplus.npy>
                     use a W+ from python3 -m models.optimize instead of inverting the face: pasted into
                     the chosen face of --image, or with --aligned (and no --image) rendered alone; edit
                     options are applied on top
  tokenize "<text>" [--pack <dir>]
                     print CLIP's 77 token ids (vocabulary from the pack, $FACETEXT_VOCAB or ../shared/clip)
  pack verify <dir>  check pack.json and the size and sha256 of every file
  pack presets --pack <dir>
                     store the text directions of the built-in presets in the pack
  pack stats --pack <dir> [--samples N] [--truncation ψ] [--seed n]
                     compute the S mean/std from mapped random z and write them into the pack
  pack relevance --pack <dir> [--images N] [--sigma k] [--resolution r] [--seed n]
                     compute the channel-relevance matrix (fs3) with the pack's generator and CLIP image
                     graph; resumable (relevance.partial beside pack.json)
  runtime            start onnxruntime-web and print the backend it runs on
  help               show this text
`;

// Node blocks whenever its event loop idles (and again at exit) until V8's background TurboFan tier-up of
// ORT's 26 MB wasm is finished: measured 110–180 s of stalls per run on this 2-core machine. A one-shot
// CLI runs Liftoff code only; ORT compiles its wasm on first use, after this line.
setFlagsFromString('--liftoff-only');

const COMMANDS: Record<string, (args: readonly string[]) => Promise<number>> = {
  edit: editCommand,
  tokenize: tokenizeCommand,
  pack: packCommand,
  runtime: async () => {
    process.stdout.write(`${(await OrtRuntime.create()).backend}\n`);
    return 0;
  },
};

async function main([command, ...args]: readonly string[]): Promise<number> {
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  const run = COMMANDS[command];
  if (run === undefined) throw new UsageError(`unknown command "${command}". Must be one of: ${Object.keys(COMMANDS).join(', ')}, help`);
  return run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`facetext: ${error.message}\nRun "facetext help" for usage.\n`);
      process.exit(2);
    }
    if (isEngineError(error) || error instanceof FileError) {
      process.stderr.write(`facetext: ${error.name}: ${error.message}\n`);
      process.exit(1);
    }
    if (isSystemError(error)) {
      // The machine refused a file operation (EACCES, EISDIR, ENOSPC, a file too large for Node …): the
      // user's environment, not a bug. Node's message names the operation and the path.
      process.stderr.write(`facetext: FileError: ${error.message.replace(/\s*\n\s*/g, ' ')}\n`);
      process.exit(1);
    }
    process.stderr.write(`facetext: internal error (a bug, please report it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70); // EX_SOFTWARE
  },
);

/** An error from a Node file or system call: it has an errno code and the call's name, or is one of fs's own (ERR_FS_…). */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  if (!(error instanceof Error)) return false;
  const { code, syscall } = error as NodeJS.ErrnoException;
  return typeof code === 'string' && (typeof syscall === 'string' || code.startsWith('ERR_FS_'));
}
