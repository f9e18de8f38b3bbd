import { isHeaderRow } from '../data/header';

/**
 * Number of rows in a data file the script reads, without parsing the data: the .npy header's
 * shape, or the non-empty lines of a text table less a header, decided as the reader decides
 * (data/header.ts: by the feature cells, the label taken to be the last column, as the reader's default).
 * Returns null when the format does not say (npz, parquet, torch files).
 */
export function countSamples(path: string, bytes: Uint8Array): number | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.npy')) {
    if (bytes.length < 10 || bytes[0] !== 0x93) return null;
    const major = bytes[6];
    const hlen = major === 1 ? bytes[8] | (bytes[9] << 8) : bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (bytes[11] << 24);
    const start = major === 1 ? 10 : 12;
    const header = new TextDecoder().decode(bytes.subarray(start, start + hlen));
    const m = /'shape':\s*\((\d+)/.exec(header);
    return m ? Number(m[1]) : null;
  }
  if (/\.(csv|tsv|txt|dat)$/.test(lower)) {
    const lines = new TextDecoder()
      .decode(bytes)
      .split(/\r?\n/)
      .filter((l) => l.trim() && !l.trimStart().startsWith('#'));
    if (!lines.length) return 0;
    const first = lines[0].split(/[,;\t ]+/).filter(Boolean);
    const header = isHeaderRow(first, first.length > 1 ? [first.length - 1] : 'all');
    return lines.length - (header ? 1 : 0);
  }
  return null;
}
