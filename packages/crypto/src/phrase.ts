/**
 * Recovery phrases: BIP39 English through @scure/bip39. 32-byte seeds give 24 words, 16-byte
 * Session seeds 12 words. Errors say what is wrong (word count, the position of an unknown
 * word, a failed checksum) without repeating any word of the phrase.
 */
import { InvalidPhraseError } from '@murmur/wire';
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { SEED_LENGTH, SESSION_SEED_LENGTH } from './identity.js';
import { requireBytesOfLengths } from './validate.js';

/** Word counts accepted by {@link seedFromPhrase}. */
export const PHRASE_WORD_COUNTS: readonly number[] = [12, 24];

/** True if `word` is in the English list (sorted, so a binary search; no lookup table kept). */
function isEnglishWord(word: string): boolean {
  let low = 0;
  let high = wordlist.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const candidate = wordlist[middle] as string;
    if (candidate === word) return true;
    if (candidate < word) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

/** The BIP39 English phrase of a 16- or 32-byte seed: 12 or 24 words, single spaces. */
export function phraseFromSeed(seed: Uint8Array): string {
  requireBytesOfLengths(seed, 'seed', [SESSION_SEED_LENGTH, SEED_LENGTH]);
  return entropyToMnemonic(seed, wordlist);
}

/**
 * Splits a phrase into normalised words: Unicode NFKD, lower case, any run of white space
 * (spaces, tabs, new lines, the ideographic space) as one separator.
 */
export function normalisePhrase(phrase: string): string[] {
  const text = phrase.normalize('NFKD').toLowerCase().trim();
  return text === '' ? [] : text.split(/\s+/u);
}

/**
 * The seed of a 12- or 24-word BIP39 English phrase (16 or 32 bytes).
 *
 * @throws InvalidPhraseError for a wrong word count (the message gives the accepted counts and
 *   the count found), a word outside the English list (the message gives its 1-based position
 *   but not the word) or a checksum that does not match.
 */
export function seedFromPhrase(phrase: string): Uint8Array {
  if (typeof phrase !== 'string') {
    throw new InvalidPhraseError('A recovery phrase must be a string of words', {
      details: { reason: 'type' },
    });
  }
  const words = normalisePhrase(phrase);
  if (!PHRASE_WORD_COUNTS.includes(words.length)) {
    throw new InvalidPhraseError(
      `A recovery phrase has 12 or 24 words; this one has ${words.length}`,
      { details: { reason: 'word-count', wordCount: words.length, accepted: PHRASE_WORD_COUNTS } },
    );
  }
  const unknown: number[] = [];
  words.forEach((word, index) => {
    if (!isEnglishWord(word)) unknown.push(index + 1);
  });
  if (unknown.length > 0) {
    const where =
      unknown.length === 1 ? `word ${unknown[0]} is` : `words ${unknown.join(', ')} are`;
    throw new InvalidPhraseError(
      `In this recovery phrase ${where} not in the BIP39 English word list; check the spelling`,
      { details: { reason: 'unknown-word', positions: unknown } },
    );
  }
  let seed: Uint8Array;
  try {
    seed = mnemonicToEntropy(words.join(' '), wordlist);
  } catch {
    // The library's message is not passed on: nothing of the phrase may reach an error.
    throw new InvalidPhraseError(
      'The recovery phrase checksum does not match: a word is wrong or words are out of order',
      { details: { reason: 'checksum' } },
    );
  }
  return seed;
}
