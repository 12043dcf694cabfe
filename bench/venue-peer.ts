/**
 * Child process for `bench/venue-feed.ts`: a Binance-protocol peer (combined diff-depth stream +
 * REST depth) for several symbols, on its own core share so the feed it drives is measured, not
 * the peer. IPC: {cmd:'blast', n, rate} sends n book changes round-robin over the symbols
 * (rate 0: as fast as the socket takes them) and answers {ev:'sent'}; {cmd:'exit'}.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { PeerBook } from '../test/harness/venue-peers.js';

const symbols = process.argv.slice(2);
const books = new Map(symbols.map((s, i) => [s, { book: new PeerBook(8, 8, 31 + i), id: 1000 }]));
const clients = new Map<WebSocket, Set<string>>();

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const st = books.get(url.searchParams.get('symbol') ?? '');
  if (url.pathname !== '/api/v3/depth' || !st) { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ lastUpdateId: st.id, bids: st.book.levels('bid'), asks: st.book.levels('ask') }));
});
const wss = new WebSocketServer({ server });
wss.on('connection', (ws, req) => {
  const streams = new URL(req.url ?? '/', 'http://x').searchParams.get('streams') ?? '';
  clients.set(ws, new Set(streams.split('/').map((s) => s.split('@')[0]!.toUpperCase())));
  ws.on('close', () => clients.delete(ws));
});

function step(symbol: string): void {
  const st = books.get(symbol)!;
  const c = st.book.randomChange();
  const first = ++st.id;
  const frame = JSON.stringify({ stream: `${symbol.toLowerCase()}@depth@100ms`, data: { e: 'depthUpdate', E: Date.now(), s: symbol, U: first, u: st.id, b: c.side === 'bid' ? [[c.price, c.size]] : [], a: c.side === 'ask' ? [[c.price, c.size]] : [] } });
  for (const [ws, want] of clients) if (want.has(symbol)) ws.send(frame);
}

async function blast(n: number, rate: number): Promise<void> {
  let i = 0;
  const t0 = performance.now();
  while (i < n) {
    const due = rate > 0 ? Math.min(n, Math.floor(((performance.now() - t0) / 1000) * rate)) : Math.min(n, i + 500);
    for (; i < due; i++) step(symbols[i % symbols.length]!);
    await new Promise((r) => (rate > 0 ? setTimeout(r, 1) : setImmediate(r)));
  }
}

server.listen(0, '127.0.0.1', () => process.send!({ ev: 'ready', port: (server.address() as AddressInfo).port }));
process.on('message', (m: { cmd: string; n?: number; rate?: number }) => {
  if (m.cmd === 'blast') void blast(m.n!, m.rate!).then(() => process.send!({ ev: 'sent' }));
  if (m.cmd === 'exit') { for (const ws of clients.keys()) ws.terminate(); server.close(); process.exit(0); }
});
