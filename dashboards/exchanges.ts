/**
 * The per-exchange view: the subscriber tier (queue overflows, the host group's per-member rate
 * the ASG scales on), then one row per configured exchange (feed in, published, received, faults,
 * and for live WebSocket venues the ingest's live recovery: books lost and recovered, symbols stale).
 */
import { liveBookExchanges } from '../config/live-feeds.js';
import type { DsmConfig } from '../config/schema.js';
import type { DashboardDef, Panel, Tile } from './model.js';
import { dashboardName } from './names.js';

function exchangeRow(cluster: string, exchange: string, symbols: number, live: boolean): Tile[] {
  const dims = { Cluster: cluster, Exchange: exchange };
  const width = live ? 8 : 12;
  const flow: Panel = {
    kind: 'panel', title: `${exchange} flow`, unit: 'events/s', stat: 'Average', width, height: 6, yMin: 0,
    lines: [
      { kind: 'dsm', metric: 'ingestEventsRate', dimensions: dims, label: 'feed events decoded' },
      { kind: 'dsm', metric: 'publishedRate', dimensions: dims, label: 'updates published' },
      { kind: 'dsm', metric: 'receivedRate', dimensions: dims, label: 'updates received' },
    ],
  };
  const faults: Panel = {
    kind: 'panel', title: `${exchange} gaps, resyncs, malformed`, unit: 'count', stat: 'Sum', width, height: 6, yMin: 0,
    lines: [
      { kind: 'dsm', metric: 'gaps', dimensions: dims, label: 'sequence gaps' },
      { kind: 'dsm', metric: 'resyncs', dimensions: dims, label: 'snapshot resyncs' },
      { kind: 'dsm', metric: 'malformed', dimensions: dims, label: 'malformed messages' },
    ],
  };
  // The venue side of the same story: books the ingest lost and brought back, and how many are stale
  // (a level, read with Maximum; which symbols: the ingest's progress log).
  const recovery: Panel = {
    kind: 'panel', title: `${exchange} live recovery`, unit: 'count', stat: 'Sum', width, height: 6, yMin: 0,
    lines: [
      { kind: 'dsm', metric: 'feedGaps', dimensions: dims, label: 'books lost sync with the venue' },
      { kind: 'dsm', metric: 'feedRecoveries', dimensions: dims, label: 'books recovered' },
      { kind: 'dsm', metric: 'feedSymbolsStale', dimensions: dims, label: 'symbols stale now (max)', stat: 'Maximum' },
      { kind: 'dsm', metric: 'feedStaleSeconds', dimensions: dims, label: 'seconds stale, all symbols' },
    ],
  };
  return [{ kind: 'note', width: 24, height: 1, markdown: `## ${exchange} (${symbols} symbol${symbols === 1 ? '' : 's'})` }, flow, faults, ...(live ? [recovery] : [])];
}

/** The subscriber hosts' group: what each member processes (the scaling metric) and its backlog. */
function groupPanels(cfg: DsmConfig): Panel[] {
  const dims = { Cluster: cfg.nats.clusterName, Group: cfg.groups.hostGroup };
  const target = cfg.autoscaling?.targetMsgsPerInstance;
  return [
    {
      kind: 'panel', title: `Group ${cfg.groups.hostGroup}: messages per member`, unit: 'msg/s', stat: 'Average', width: 12, height: 6, yMin: 0,
      lines: [
        { kind: 'dsm', metric: 'groupMemberRate', dimensions: dims, label: 'per member (ASG target tracking)' },
        { kind: 'dsm', metric: 'groupProcessedRate', dimensions: dims, label: 'whole group' },
      ],
      ...(target ? { thresholds: [{ label: 'scaling target', value: target, color: '#ff7f0e' }] } : {}),
    },
    {
      kind: 'panel', title: `Group ${cfg.groups.hostGroup}: members and backlog`, unit: 'count', stat: 'Maximum', width: 12, height: 6, yMin: 0,
      lines: [
        { kind: 'dsm', metric: 'groupMembers', dimensions: dims, label: 'members reporting' },
        { kind: 'dsm', metric: 'groupQueueDepth', dimensions: dims, label: 'deepest member queue' },
      ],
    },
  ];
}

export function exchangesDashboard(cfg: DsmConfig): DashboardDef {
  const cluster = cfg.nats.clusterName;
  return {
    name: dashboardName(cfg, 'exchanges'),
    title: `DSM ${cfg.env}: per exchange`,
    tiles: [
      { kind: 'panel', title: 'Subscriber queue overflows (fell back to snapshot)', unit: 'count', stat: 'Sum', width: 24, height: 4, yMin: 0, lines: [{ kind: 'dsm', metric: 'subscriberSlow', dimensions: { Cluster: cluster }, label: 'all subscribers' }] },
      ...groupPanels(cfg),
      ...cfg.exchanges.flatMap((ex) => exchangeRow(cluster, ex.name, ex.symbols.length, liveBookExchanges(cfg).includes(ex.name))),
    ],
  };
}
