/**
 * Linux CPU lists ("0-1,4"), as systemd's CPUAffinity= and the kernel's isolcpus= and
 * smp_affinity_list take them. Parsed to sorted unique CPU numbers so sets can be combined.
 */

export function parseCpuList(list: string): number[] {
  const cpus = new Set<number>();
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new RangeError(`not a CPU list: "${list}"`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new RangeError(`CPU range ${part} runs backwards in "${list}"`);
    for (let c = lo; c <= hi; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** The shortest list for a set of CPUs: consecutive runs collapse to ranges. */
export function formatCpuList(cpus: Iterable<number>): string {
  const sorted = [...new Set(cpus)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function unionCpuLists(...lists: string[]): string {
  return formatCpuList(lists.flatMap(parseCpuList));
}
