// `facetext pack verify <dir>`, `pack presets --pack <dir>`, and the builders `pack stats` / `pack relevance`.
import { formatCount } from '../ui/worker/pack/load-pack';
import { readArgs, requiredString, UsageError } from './cli-args';
import { writePackPresets } from './cli-pack-presets';
import { runPackRelevance, runPackStats } from './pack-builder-command';
import { packDirArg } from './pack-dir-arg';
import { packFromDirectory } from './read-pack-dir';

const PACK_USAGE = 'pack: say what to do: facetext pack verify <dir> | presets --pack <dir> | stats --pack <dir> | relevance --pack <dir>';

export async function packCommand(args: readonly string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'verify':
      return verify(rest);
    case 'presets':
      return presets(rest);
    case 'stats':
      return runPackStats([...rest]);
    case 'relevance':
      return runPackRelevance([...rest]);
    case undefined:
      throw new UsageError(PACK_USAGE);
    default:
      throw new UsageError(`pack: unknown subcommand "${sub}". Must be one of: verify, presets, stats, relevance`);
  }
}

/** Schema (pack.json), then the size and sha256 of every file it lists; one line per problem on stderr. */
async function verify(args: readonly string[]): Promise<number> {
  const { values, positionals } = readArgs('pack verify', args, { pack: { type: 'string' } }, { positionals: 1 });
  const dir = positionals[0] ?? (values.pack as string | undefined);
  if (dir === undefined) throw new UsageError('pack verify: give the pack folder, e.g. facetext pack verify models/packs/golden-tiny');
  const loaded = await packFromDirectory(packDirArg(dir)); // PackInvalid / PackFileMissing for pack.json itself
  const checks = await loaded.verifyAll();
  const problems = checks.filter((c) => c.problem !== null);
  const bytes = checks.reduce((sum, c) => sum + c.bytes, 0);
  for (const { problem } of problems) process.stderr.write(`facetext: ${problem!.name}: ${problem!.message}\n`);
  const { pack } = loaded;
  const what = `pack ${pack.id} (${loaded.location}): ${checks.length} files, ${formatCount(bytes)} bytes`;
  if (problems.length > 0) {
    process.stdout.write(`${what}: ${problems.length} of ${checks.length} files FAILED: ${problems.map((p) => p.file).join(', ')}\n`);
    return 1;
  }
  const graphs = Object.keys(pack.graphs).length;
  const presetsNote = pack.presets ? `, ${pack.presets.entries.length} presets` : '';
  process.stdout.write(`${what}: pack.json valid, every size and sha256 matches (${graphs} graphs, ${pack.mappers.length} mappers${presetsNote})\n`);
  return 0;
}

async function presets(args: readonly string[]): Promise<number> {
  const { values } = readArgs('pack presets', args, { pack: { type: 'string' } });
  const dir = packDirArg(requiredString('pack presets', values, 'pack', 'pack folder'));
  const started = performance.now();
  const written = await writePackPresets({ dir });
  for (const label of written.truncated) process.stderr.write(`facetext: warning: preset "${label}" is longer than CLIP's context; it was cut.\n`);
  process.stdout.write(
    `wrote ${written.file} (${written.entries} presets × ${written.dims} floats, ${formatCount(written.bytes)} bytes, sha256 ${written.sha256}) ` +
      `and updated pack.json in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}
