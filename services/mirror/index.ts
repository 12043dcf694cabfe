/** Subscriber-side book keeping: per-symbol mirrors, routing, and the consolidated view. Pure, no I/O. */
export { BookMirror, MIRROR_DEFAULTS, emptyCounters, type BookMirrorOptions, type MirrorCounters, type MirrorOutcome, type MirrorState, type SnapshotReason } from './book-mirror.js';
export { MirrorSet, type HandleOutcome, type MirrorSetOptions, type MirrorSetTotals, type PublisherStatus } from './mirror-set.js';
export { ConsolidatedBbo, type ConsolidatedQuote, type ConsolidatedSide, type InstrumentMap, type MirrorLookup, type Venue, type VenueLevel } from './consolidated.js';
export { compareScaled } from './scaled-compare.js';
export { bookDigest, type BookDigest } from './digest.js';
