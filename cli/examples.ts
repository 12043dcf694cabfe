/**
 * One or more examples in every command's --help, kept in one table so a new command (or one
 * from another branch) gets a line here rather than a convention to remember. Commands whose file
 * already adds its own "Examples:" block are listed in OWN_EXAMPLES.
 */
import type { Command } from 'commander';

const EXAMPLES: Record<string, string[]> = {
  config: ['dsm config --env prod', 'dsm config --config ./staging.ts --json'],
  'certs init': ['dsm certs init', 'dsm certs init --env prod --dir ./prod-tls'],
  'certs show': ['dsm certs show', 'dsm certs show --dir ./prod-tls'],
  'certs push': ['dsm certs push --env prod --dir ./prod-tls --dry-run'],
  'render nats-config': ['dsm render nats-config --node 1', 'dsm render nats-config --env prod --node 2 --out /etc/nats/nats-server.conf'],
  demo: ['make demo', 'dsm demo --pace 10x --no-view', 'dsm demo --follow --dashboard-port 0'],
  ingest: ['dsm ingest --pace max', 'dsm ingest --exchanges KRAKEN,COINBASE --pace 10x', 'dsm ingest --lease main --publisher-id ingest-b'],
  'dashboards export': ['dsm dashboards export --env prod --out dash/'],
  'dashboards import': ['dsm dashboards import --env prod --dry-run', 'dsm dashboards import --env prod'],
  'dashboards diff': ['dsm dashboards diff --env prod   # exit 0 same, 1 differs, 2 cannot check'],
  'book replay': ['dsm book replay -f kraken services/feeds/samples/captures/kraken-book-2021-04-17.ws.txt', 'dsm book replay -f coinbase capture.ws.txt --emit books.jsonl'],
  'bench book': ['dsm bench book', 'dsm bench book --events 200000 --json'],
  'bench pipeline': ['dsm bench pipeline', 'dsm bench pipeline --rate 20000 --messages 50000 --json'],
  'bench load': ['dsm bench load --profile burst --peak 100000', 'dsm bench load --profile multiplier --speed 10'],
  'bench feed': ['dsm bench feed', 'dsm bench feed --rate 2000 --symbols 8 --workers 2 --rounds 2'],
  'bench recorded': ['dsm bench recorded', 'dsm bench recorded --messages 50000 --rate 2000 --rounds 1'],
  'bench scale': ['dsm bench scale            # every point, writes bench/RESULTS.md and bench/scale.svg', 'dsm bench scale --quick --json'],
  record: ['dsm record --venue kraken --symbols XBT/USD --out kraken.ws.txt --seconds 60'],
  'metrics-agent': ['dsm metrics-agent --cloudwatch dry-run --duration 30', 'dsm metrics-agent --env prod --node 2'],
  tune: ['dsm tune --once --dry-run', 'dsm tune --env prod --once'],
  dashboard: ['dsm dashboard --local', 'dsm dashboard --local --port 8091 --duration 60'],
  'venue-peer serve': ['dsm venue-peer serve kraken --symbols XBT/USD,ETH/USD', 'dsm venue-peer serve coinbase-advanced --symbols BTC-USD,ETH-USD   # Advanced Trade (coinbase-advanced-ws), as production runs Coinbase', 'dsm venue-peer serve binance --symbols BTCUSDT --port 9002 --control-port 9102 --json'],
  'venue-peer fault': ['dsm venue-peer fault --control http://127.0.0.1:9101 --kind bad-checksum --symbol XBT/USD', 'dsm venue-peer fault --control http://127.0.0.1:9101 --kind stall --ms 3000', 'dsm venue-peer fault --control http://127.0.0.1:9104 --kind lose-message --symbol BTC-USD   # coinbase-advanced: only sequence_num shows it'],
  'venue-peer book': ['dsm venue-peer book --control http://127.0.0.1:9101 --symbol XBT/USD', 'dsm venue-peer book --control http://127.0.0.1:9101 --symbol XBT/USD --against books.json   # a dsm subscribe --report file'],
  'venue-peer status': ['dsm venue-peer status --control http://127.0.0.1:9101 --json'],
  'venue-peer walk': ['dsm venue-peer walk off --control http://127.0.0.1:9101', 'dsm venue-peer walk on --control http://127.0.0.1:9101 --interval 5'],
  drill: ['dsm drill --list', 'dsm drill nats-node-loss --ephemeral', 'dsm drill nats-node-loss --target aws --env prod --dry-run'],
};

/** Commands that print their own examples (their file calls addHelpText). */
const OWN_EXAMPLES = new Set(['up', 'down', 'status', 'subscribe', 'tail']);

export function addExamples(program: Command): void {
  const visit = (cmd: Command, name: string) => {
    const ex = EXAMPLES[name];
    if (ex && !OWN_EXAMPLES.has(name)) cmd.addHelpText('after', `\nExamples:\n${ex.map((e) => `  ${e}`).join('\n')}`);
    for (const c of cmd.commands) visit(c, name ? `${name} ${c.name()}` : c.name());
  };
  for (const c of program.commands) visit(c, c.name());
}

/** For the test that every leaf command has an example. */
export function hasExamples(name: string): boolean {
  return OWN_EXAMPLES.has(name) || (EXAMPLES[name]?.length ?? 0) > 0;
}
