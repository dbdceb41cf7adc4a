// Byte-level BPE as in openai/CLIP's simple_tokenizer.py: every UTF-8 byte of a word is first
// mapped to a printable stand-in character, then merges are applied lowest rank first.

// Merges kept from bpe_simple_vocab_16e6.txt: lines 1..48894 after the header line
// (upstream: 49152 - 256 - 2 = 48894).
export const MERGE_COUNT = 48_894;
export const END_OF_WORD = '</w>';

/** Upstream `bytes_to_unicode()`: printable Latin-1 bytes stand for themselves, the others shift to U+0100 and up. */
export function byteToUnicode(): string[] {
  const table = new Array<string>(256);
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCharCode(printable ? b : 256 + shifted++);
  }
  return table;
}

/** Upstream vocabulary order: the 256 byte symbols in `bytes_to_unicode` order (printable first), the same with `</w>`, then merges. */
function byteSymbolsInVocabOrder(byteSymbols: readonly string[]): string[] {
  const printable: string[] = [];
  const shifted: string[] = [];
  for (const symbol of byteSymbols) (symbol.charCodeAt(0) < 256 ? printable : shifted).push(symbol);
  return [...printable, ...shifted];
}

export class Bpe {
  /** Vocabulary string → id; the two special tokens are added by the tokenizer. */
  readonly encoder = new Map<string, number>();
  readonly decoder: string[] = [];
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();

  /** `merges`: the merge lines (header already skipped), each "left right". */
  constructor(merges: readonly string[], byteSymbols: readonly string[] = byteToUnicode()) {
    const symbols = byteSymbolsInVocabOrder(byteSymbols);
    for (const s of symbols) this.add(s);
    for (const s of symbols) this.add(s + END_OF_WORD);
    merges.forEach((line, rank) => {
      const space = line.indexOf(' ');
      this.ranks.set(line, rank);
      this.add(line.slice(0, space) + line.slice(space + 1));
    });
  }

  add(symbol: string): number {
    const id = this.decoder.length;
    this.decoder.push(symbol);
    this.encoder.set(symbol, id); // a later duplicate wins, as in upstream's dict(zip(vocab, range))
    return id;
  }

  /** Pre-seed the cache so `word` stays whole (upstream does this for the special tokens). */
  keepWhole(word: string): void {
    this.cache.set(word, [word]);
  }

  /** Upstream `bpe(token)`: the vocabulary strings a word (already byte-mapped) is split into. */
  split(word: string): string[] {
    const cached = this.cache.get(word);
    if (cached) return cached;
    const chars = Array.from(word);
    if (chars.length === 1) return [word + END_OF_WORD];
    let parts = chars;
    parts[parts.length - 1] += END_OF_WORD;
    while (parts.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < parts.length - 1; i++) {
        const rank = this.ranks.get(parts[i] + ' ' + parts[i + 1]);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      // Merge every occurrence of the winning pair, left to right.
      const first = parts[best];
      const second = parts[best + 1];
      const merged: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        if (parts[i] === first && i < parts.length - 1 && parts[i + 1] === second) {
          merged.push(first + second);
          i++;
        } else {
          merged.push(parts[i]);
        }
      }
      parts = merged;
    }
    this.cache.set(word, parts);
    return parts;
  }
}
