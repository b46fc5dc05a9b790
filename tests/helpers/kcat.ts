// kcat (librdkafka) as a group consumer in a child process: `kcat -G group topic`, its records (partition,
// offset, value per line) and its current assignment, followed from the rebalance lines it prints (eager
// "assigned:/revoked:" and cooperative "incremental assignment/revoke"). Stop it cleanly (SIGTERM: it leaves
// the group) or kill it (SIGKILL: the coordinator notices at the session timeout).

import { spawn, type ChildProcess } from 'node:child_process';

export interface KcatRecord {
  partition: number;
  offset: number;
  value: string;
}

export interface KcatOptions {
  address: string;
  groupId: string;
  topics: string[];
  /** librdkafka partition.assignment.strategy (range, roundrobin, cooperative-sticky). */
  strategy?: string;
  sessionTimeoutMs?: number;
  groupInstanceId?: string;
  /** Extra -X properties. */
  properties?: Record<string, string>;
}

export class KcatConsumer {
  readonly records: KcatRecord[] = [];
  readonly stderr: string[] = [];
  /** Revokes as (revoked count, assignment size before), to check cooperative rebalances keep partitions. */
  readonly revokes: { count: number; before: number }[] = [];
  readonly assignment = new Set<number>();
  /** Number of rebalance events seen (assignment or revoke lines). */
  rebalances = 0;
  exitCode: number | null = null;
  readonly exited: Promise<number | null>;
  readonly #child: ChildProcess;

  constructor(o: KcatOptions) {
    const props: Record<string, string> = {
      'partition.assignment.strategy': o.strategy ?? 'range',
      'session.timeout.ms': String(o.sessionTimeoutMs ?? 6000),
      'heartbeat.interval.ms': '300',
      'auto.offset.reset': 'earliest',
      'auto.commit.interval.ms': '200',
      ...(o.groupInstanceId ? { 'group.instance.id': o.groupInstanceId } : {}),
      ...o.properties,
    };
    const args = ['-u', '-b', o.address, '-G', o.groupId, '-f', '%p %o %s\\n', ...Object.entries(props).flatMap(([k, v]) => ['-X', `${k}=${v}`]), ...o.topics];
    this.#child = spawn('kcat', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve((this.exitCode = code))));
    lines(this.#child.stdout!, (line) => {
      const m = /^(\d+) (\d+) (.*)$/.exec(line);
      if (m) this.records.push({ partition: Number(m[1]), offset: Number(m[2]), value: m[3] });
    });
    lines(this.#child.stderr!, (line) => {
      this.stderr.push(line);
      this.#rebalanceLine(line);
    });
  }

  #rebalanceLine(line: string): void {
    const partitions = (text: string) => [...text.matchAll(/\S+ \[(\d+)\]/g)].map((m) => Number(m[1]));
    let m = /rebalanced \(memberid [^)]*\): assigned: (.*)$/.exec(line);
    if (m) {
      this.rebalances++;
      this.assignment.clear();
      for (const p of partitions(m[1])) this.assignment.add(p);
      return;
    }
    m = /rebalanced \(memberid [^)]*\): revoked: (.*)$/.exec(line);
    if (m) {
      this.rebalances++;
      this.revokes.push({ count: partitions(m[1]).length, before: this.assignment.size });
      this.assignment.clear();
      return;
    }
    m = /incremental (assignment|revoke) of \d+ partition\(s\) \([^)]*\): ?(.*)$/.exec(line);
    if (m) {
      this.rebalances++;
      const ps = partitions(m[2]);
      if (m[1] === 'assignment') for (const p of ps) this.assignment.add(p);
      else {
        this.revokes.push({ count: ps.length, before: this.assignment.size });
        for (const p of ps) this.assignment.delete(p);
      }
    }
  }

  /** SIGTERM: kcat closes the consumer (commits, leaves the group unless static) and exits. */
  async stop(): Promise<void> {
    if (this.exitCode === null) this.#child.kill('SIGTERM');
    await this.exited;
  }

  /** SIGKILL: gone without a word. */
  async kill(): Promise<void> {
    if (this.exitCode === null) this.#child.kill('SIGKILL');
    await this.exited;
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let buffered = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffered += chunk;
    let at: number;
    while ((at = buffered.indexOf('\n')) >= 0) {
      onLine(buffered.slice(0, at));
      buffered = buffered.slice(at + 1);
    }
  });
}
