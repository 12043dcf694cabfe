import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { krakenChecksum, krakenChecksumInput, tableCrc32 } from './checksum.js';

// The worked example from Kraken's book checksum guide (also used by bmoscon/orderbook's tests).
const ASKS: Array<[string, string]> = ['0.05005', '0.05010', '0.05015', '0.05020', '0.05025', '0.05030', '0.05035', '0.05040', '0.05045', '0.05050'].map((p) => [p, '0.00000500']);
const BIDS: Array<[string, string]> = ['0.05000', '0.04995', '0.04990', '0.04980', '0.04975', '0.04970', '0.04965', '0.04960', '0.04955', '0.04950'].map((p) => [p, '0.00000500']);

describe('Kraken checksum', () => {
  it("reproduces the value in Kraken's documentation", () => {
    expect(krakenChecksum(ASKS, BIDS)).toBe('974947235');
  });

  it('strips the dot and leading zeros from price and volume, asks before bids', () => {
    expect(krakenChecksumInput([['0.05005', '0.00000500']], [['0.05000', '0.00000500']])).toBe('5005500' + '5000500');
    expect(krakenChecksumInput([['55000.10000', '1.50000000']], [])).toBe('5500010000150000000');
  });

  it('uses only the top 10 levels per side', () => {
    expect(krakenChecksum([...ASKS, ['0.06000', '1.00000000']], [...BIDS, ['0.01000', '1.00000000']])).toBe('974947235');
  });

  it('table fallback equals zlib.crc32 (unsigned) on any ASCII string', () => {
    expect(typeof crc32).toBe('function');
    fc.assert(fc.property(fc.string({ unit: 'binary-ascii' }), (s) => tableCrc32(s) === crc32(s) >>> 0));
  });
});
