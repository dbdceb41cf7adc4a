// facetext command line (dist/cli.js). A minimal skeleton: the edit commands arrive with the engine.
import { OrtRuntime } from '../runtime/ort';

const USAGE = `Usage: facetext <command>

Commands:
  runtime   start onnxruntime-web and print the backend it runs on
  help      show this text
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    case 'runtime': {
      const runtime = await OrtRuntime.create();
      process.stdout.write(`${runtime.backend}\n`);
      return 0;
    }
    default:
      process.stderr.write(`facetext: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`facetext: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
