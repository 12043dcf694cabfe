/**
 * Connection settings shared by every live feed kind (timeouts, watchdog, backoff). Its own
 * module so that venue config kinds (services/feeds/<venue>/config.ts) can use it without
 * importing the whole environment schema.
 */
import { z } from 'zod';

/** A port number. */
export const portSchema = z.number().int().min(1).max(65535);

/** Backoff between attempts: base * 2^attempt capped at max, plus uniform [0, jitter) ms. */
export const BackoffSchema = (baseMs: number, maxMs: number, jitterMs: number) => z.object({
  baseMs: z.number().int().min(1).default(baseMs),
  maxMs: z.number().int().min(1).default(maxMs),
  jitterMs: z.number().int().min(0).default(jitterMs),
}).prefault({});

/**
 * How a live feed connection behaves: every timeout and backoff of the live sources lives here,
 * so a feed can be pointed at a local peer (tests, `--config FILE`) and tuned without code.
 */
export const FeedConnectionSchema = z.object({
  /** WebSocket opening handshake timeout. */
  connectTimeoutMs: z.number().int().min(100).default(10_000),
  /**
   * Silence watchdog: no frame for this long and the connection is dropped and reopened.
   * Kraken and Coinbase heartbeat every second; Binance's diff stream sends every 100 ms while a
   * book changes, so a quiet Binance symbol may cost a harmless reconnect.
   */
  watchdogMs: z.number().int().min(50).default(30_000),
  /** Reconnects after a close, an error or a watchdog timeout. */
  reconnect: BackoffSchema(250, 30_000, 250),
  /** Retries of a book recovery (resubscribe or REST snapshot) that has not brought a snapshot. */
  recovery: BackoffSchema(100, 10_000, 100),
  /** A resubscribe that has not brought a snapshot after this long is tried again. */
  recoveryTimeoutMs: z.number().int().min(50).default(5_000),
  /** REST requests (Binance depth snapshots). */
  restTimeoutMs: z.number().int().min(100).default(10_000),
}).prefault({});

export type FeedConnection = z.output<typeof FeedConnectionSchema>;
