import { parseSnapshotSubject } from './snapshot-responder.js';

const scheme = { controlPrefix: '_DSM', dataSuffix: 'orderbook' };

describe('parseSnapshotSubject', () => {
  it('reads the exchange and decodes the symbol token', () => {
    expect(parseSnapshotSubject(scheme, '_DSM.snapshot.NYSE.AAPL')).toEqual({ exchange: 'NYSE', symbol: 'AAPL' });
    expect(parseSnapshotSubject(scheme, '_DSM.snapshot.NYSE.BRK~2EB')).toEqual({ exchange: 'NYSE', symbol: 'BRK.B' });
  });

  it('rejects anything that is not one book', () => {
    for (const s of ['_DSM.snapshot.NYSE', '_DSM.snapshot.NYSE.A.B', '_DSM.snapshot..AAPL', '_DSM.lease.NYSE.AAPL', 'X.snapshot.NYSE.AAPL', '_DSM.snapshot.NYSE.~41']) {
      expect(parseSnapshotSubject(scheme, s)).toBeUndefined();
    }
  });
});
