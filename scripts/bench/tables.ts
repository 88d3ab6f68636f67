/**
 * The detail tables of a run: the peer's own figures, and how cost grows with the number of signers and with
 * concurrent clients.
 */
import { CGGMP21_SCALING, committeeLabel, DKLS, FROST_SCALING, GATEWAY, SCALING_COMMITTEES } from './figures.js';
import { round } from './report.js';
import type { Results } from './targets.js';

export interface Table {
  title: string;
  header: string[];
  rows: string[][];
}

const growth = (value: number | undefined, base: number | undefined) => (value === undefined || base === undefined ? '—' : `${round(value / base)}×`);
const cell = (value: number | undefined, unit = '') => (value === undefined ? '—' : `${round(value)}${unit}`);

export function detailTables(results: Results): Table[] {
  const tables: Table[] = [];
  const dkls = results['dkls23']?.figures;
  if (dkls && dkls[DKLS.keygen]) {
    const row = (name: string) => {
      const f = dkls[name];
      return [name, f ? `${round(f.value)}${f.p99 === undefined ? '' : ` (p99 ${round(f.p99)})`}` : '—', f?.n === undefined ? '—' : String(f.n)];
    };
    tables.push({
      title: 'Peer: DKLs23 2-of-3, every party in one process (ms)',
      header: ['operation', 'median ms', 'runs'],
      rows: [DKLS.keygen, DKLS.sign, DKLS.presign, DKLS.online].map(row),
    });
  }
  const cggmp = results['cggmp21-scaling']?.figures;
  if (cggmp) {
    const base = SCALING_COMMITTEES.find((c) => c.signers === 3)!;
    const baseTotal = cggmp[CGGMP21_SCALING.total(committeeLabel(base))]?.value;
    const baseBusiest = cggmp[CGGMP21_SCALING.busiest(committeeLabel(base))]?.value;
    tables.push({
      title: 'CGGMP21 presign + sign by signers (one process, fixture primes; growth relative to 3 signers)',
      header: ['committee', 'all parties ms', 'growth', 'busiest party (presign) ms', 'growth', 'sign round ms'],
      rows: SCALING_COMMITTEES.map((c) => {
        const label = committeeLabel(c);
        const total = cggmp[CGGMP21_SCALING.total(label)];
        const busiest = cggmp[CGGMP21_SCALING.busiest(label)]?.value;
        return [label, total ? `${round(total.value)} [n=${total.n}]` : 'skipped', growth(total?.value, baseTotal), cell(busiest), growth(busiest, baseBusiest), cell(cggmp[CGGMP21_SCALING.sign(label)]?.value)];
      }),
    });
  }
  const frost = results['frost-scaling']?.figures;
  if (frost) {
    const base = SCALING_COMMITTEES.find((c) => c.signers === 3)!;
    const baseOurs = frost[FROST_SCALING.ours(committeeLabel(base))]?.value;
    tables.push({
      title: 'FROST (BIP-340) sign by signers (one process, CPU ms; growth relative to 3 signers)',
      header: ['committee', 'ours ms', 'growth', 'busiest party ms', 'noble ms', 'ours/noble'],
      rows: SCALING_COMMITTEES.map((c) => {
        const label = committeeLabel(c);
        const ours = frost[FROST_SCALING.ours(label)]?.value;
        return [label, cell(ours), growth(ours, baseOurs), cell(frost[FROST_SCALING.busiest(label)]?.value), cell(frost[FROST_SCALING.noble(label)]?.value), cell(frost[FROST_SCALING.ratio(label)]?.value, '×')];
      }),
    });
  }
  const gateway = results['gateway-scaling']?.figures;
  if (gateway) {
    tables.push({
      title: 'Gateway secret read vs bare Fastify route by concurrent clients (same process, alternating rounds)',
      header: ['clients', 'secret read req/s', 'bare req/s', 'read/bare', 'read p50 / p99 ms', 'bare p50 / p99 ms'],
      rows: [1, 16, 64, 256].map((clients) => {
        const read = gateway[GATEWAY.readLatency(clients)];
        const bare = gateway[GATEWAY.bareLatency(clients)];
        const ratio = gateway[GATEWAY.ratio(clients)]?.value;
        return [
          String(clients),
          cell(gateway[GATEWAY.read(clients)]?.value),
          cell(gateway[GATEWAY.bare(clients)]?.value),
          ratio === undefined ? '—' : `${round(ratio * 100)}%`,
          read ? `${round(read.value)} / ${round(read.p99!)}` : '—',
          bare ? `${round(bare.value)} / ${round(bare.p99!)}` : '—',
        ];
      }),
    });
  }
  return tables;
}
