// Where the engine gets a text direction Δt: the pack's precomputed presets (pack.json `presets`, written
// by `facetext pack presets`) when the (neutral, target) pair is one of them, otherwise CLIP's text
// encoder through clip/text-direction.ts. The vocabulary and the clipText graph load only on that path.
import { ClipTokenizer } from '../clip/tokenizer';
import { TextDirectionCache } from '../clip/text-direction';
import type { GraphSessions } from '../graph-sessions';
import type { LoadedPack } from '../pack/load-pack';
import type { ProgressCallback } from '../../../contract/progress';
import { int32Tensor } from '../runtime/ort';
import { EngineError } from '../errors';

export interface ResolvedDirection {
  /** Identifies (neutral, target) within the pack: the key of every cache derived from Δt. */
  key: string;
  deltaT: Float32Array;
  source: 'preset' | 'clip';
  /** Filled-in prompts cut to CLIP's context length. */
  truncatedPrompts: string[];
}

export class DirectionSource {
  private tokenizer: Promise<ClipTokenizer> | undefined;
  private presetRows: Promise<Float32Array> | undefined;
  private readonly computed = new TextDirectionCache();

  constructor(
    private readonly loaded: LoadedPack,
    private readonly sessions: GraphSessions,
  ) {}

  get tokenizerLoaded(): boolean {
    return this.tokenizer !== undefined;
  }

  async get({ neutral, target, onProgress }: { neutral: string; target: string; onProgress?: ProgressCallback }): Promise<ResolvedDirection> {
    const key = JSON.stringify([neutral, target]);
    const { presets } = this.loaded.pack;
    const index = presets?.entries.findIndex((e) => e.neutral === neutral && e.target === target) ?? -1;
    if (presets && index >= 0) {
      this.presetRows ??= this.loaded.readFloat32(presets.file);
      const rows = await this.presetRows.catch((error: unknown) => {
        this.presetRows = undefined;
        throw error;
      });
      return { key, deltaT: rows.slice(index * presets.dims, (index + 1) * presets.dims), source: 'preset', truncatedPrompts: [] };
    }
    const { clip, templates, graphs, id } = this.loaded.pack;
    if (graphs.clipText === undefined) {
      const labels = presets?.entries.map((e) => `“${e.target}”`).join(', ') ?? 'none';
      throw new EngineError('BadArgument', `Pack ${id} has no text model, so it edits only with its presets: ${labels}. Pick one of them, or load a pack that reads new prompts.`);
    }
    const direction = await this.computed.get({
      neutral,
      target,
      templates,
      contextLength: clip.contextLength,
      tokenizer: await this.loadTokenizer(),
      encodeText: (tokens, n, l) =>
        this.sessions.runFloat32('clipText', { tokens: int32Tensor(tokens, [n, l]) }, { output: 'features', length: n * clip.embedDim, onProgress }),
    });
    return { key, deltaT: direction.deltaT, source: 'clip', truncatedPrompts: direction.truncatedPrompts };
  }

  /** The CLIP tokenizer built from the pack's vocabulary (for `facetext tokenize --pack` too). */
  loadTokenizer(): Promise<ClipTokenizer> {
    if (this.tokenizer === undefined) {
      const tokenizer = this.loaded.readFile(this.loaded.pack.clip.vocab).then((gz) => ClipTokenizer.fromVocabGz(gz));
      this.tokenizer = tokenizer;
      tokenizer.catch(() => {
        if (this.tokenizer === tokenizer) this.tokenizer = undefined;
      });
    }
    return this.tokenizer;
  }
}
