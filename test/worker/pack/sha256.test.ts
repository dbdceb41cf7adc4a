// The portable SHA-256 that packs are verified with where crypto.subtle is missing (a blob: worker in a
// null-origin frame), against Node's createHash and crypto.subtle.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256HexPortable } from '../../../ui/worker/pack/sha256';
import { sha256Hex } from '../../../ui/worker/pack/load-pack';

function pseudoRandom(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0; // LCG, top byte
    bytes[i] = x >>> 24;
  }
  return bytes;
}

const node = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
async function subtle(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Buffer.from(digest).toString('hex');
}

describe('sha256HexPortable', () => {
  it('hashes the empty input and "abc" as FIPS 180-4 says', async () => {
    expect(await sha256HexPortable(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(await sha256HexPortable(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('agrees with createHash and crypto.subtle at every length around the 64-byte block boundary', async () => {
    const data = pseudoRandom(300, 7);
    for (const length of [1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 191, 192, 200]) {
      const bytes = data.subarray(0, length);
      const got = await sha256HexPortable(bytes);
      expect(got, `length ${length}`).toBe(node(bytes));
      expect(got, `length ${length}`).toBe(await subtle(bytes));
    }
  });

  it('agrees on 1 MB of pseudo-random bytes, and on a view that does not start at its buffer\'s first byte', async () => {
    const bytes = pseudoRandom(1024 * 1024 + 37, 42);
    expect(await sha256HexPortable(bytes)).toBe(node(bytes));
    const view = bytes.subarray(13, 13 + 1_000_003);
    expect(await sha256HexPortable(view)).toBe(await subtle(view));
  });

  it('spans the event-loop yields (inputs past 8 MB) without losing blocks', async () => {
    const bytes = pseudoRandom(17 * 1024 * 1024 + 5, 3);
    expect(await sha256HexPortable(bytes)).toBe(node(bytes));
  });

  it('is what sha256Hex uses when crypto.subtle is missing', async () => {
    const bytes = pseudoRandom(4097, 9);
    const original = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    Object.defineProperty(globalThis, 'crypto', { value: {}, configurable: true, writable: true });
    try {
      expect(await sha256Hex(bytes)).toBe(node(bytes));
    } finally {
      Object.defineProperty(globalThis, 'crypto', original!);
    }
    expect(await sha256Hex(bytes)).toBe(node(bytes));
  });
});
