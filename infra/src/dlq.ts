/**
 * `./throughcare dlq list|show|replay|discard …`: a thin client of the orchestrator's dead-letter
 * API (GET /dead-letters, GET /dead-letters/:seq, POST /dead-letters/:seq/replay,
 * POST /dead-letters/replay, POST /dead-letters/:seq/discard) on a running platform.
 * ORCHESTRATOR_URL overrides http://127.0.0.1:3005.
 */
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { cliToken } from './cli-token';

export const DLQ_USAGE = `usage:
  ./throughcare dlq list [--consumer NAME] [--code CODE] [--limit N] [--cursor SEQ] [--json]
  ./throughcare dlq show SEQ
  ./throughcare dlq replay SEQ [--by WHO] [--reason TEXT] [--force]   (--force: an episode-opening event past
      Temporal's retention, once checked not void; needs --reason)
  ./throughcare dlq replay --all [--consumer NAME] [--code CODE] [--by WHO] [--reason TEXT]
  ./throughcare dlq discard SEQ --reason TEXT [--by WHO]
(ORCHESTRATOR_URL, default http://127.0.0.1:3005; --by defaults to your user name; the CLI calls as an
operator: THROUGHCARE_TOKEN if set, else a client it registers with the local platform's identity provider)`;

interface Summary {
  seq: number;
  consumer: string | null;
  code: string | null;
  reason: string | null;
  eventType: string | null;
  eventId: string | null;
  deadLetteredAt: string;
}

class UsageError extends Error {}

/** Runs one dlq command; answers the process exit code. */
export async function dlq(
  args: string[],
  write = (s: string) => void process.stdout.write(s),
  writeError = (s: string) => void process.stderr.write(s),
): Promise<number> {
  const base = (process.env.ORCHESTRATOR_URL ?? 'http://127.0.0.1:3005').replace(/\/$/, '');
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        consumer: { type: 'string' },
        code: { type: 'string' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
        by: { type: 'string' },
        reason: { type: 'string' },
        all: { type: 'boolean' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const [command, seq, ...extra] = positionals;
    if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    const by = values.by ?? process.env.USER ?? os.userInfo().username;
    const needSeq = () => {
      if (!seq || !/^\d+$/.test(seq)) throw new UsageError(`${command} needs the letter's sequence number`);
      return seq;
    };
    const call = async (method: 'GET' | 'POST', path: string, body?: unknown) =>
      request(base, method, path, body, await cliToken('operator', 'urn:throughcare:orchestrator'));
    switch (command) {
      case 'list': {
        const query = new URLSearchParams();
        for (const key of ['consumer', 'code', 'limit', 'cursor'] as const) {
          if (values[key] !== undefined) query.set(key, values[key]);
        }
        const page = (await call('GET', `/dead-letters?${query.toString()}`)) as {
          items: Summary[];
          nextCursor: number | null;
        };
        if (values.json) write(JSON.stringify(page, null, 2) + '\n');
        else {
          if (page.items.length === 0) write('no open dead letters\n');
          for (const l of page.items) {
            write(
              `${String(l.seq).padStart(6)}  ${l.deadLetteredAt}  ${l.consumer ?? '?'}  ${l.code ?? '?'}  ${l.eventType ?? '(unparsed)'} ${l.eventId ?? ''}\n        ${l.reason ?? ''}\n`,
            );
          }
          if (page.nextCursor !== null) write(`more: ./throughcare dlq list --cursor ${page.nextCursor}\n`);
        }
        return 0;
      }
      case 'show':
        write(JSON.stringify(await call('GET', `/dead-letters/${needSeq()}`), null, 2) + '\n');
        return 0;
      case 'replay': {
        if (!values.all) {
          if (values.force && !values.reason?.trim()) throw new UsageError('replay --force needs --reason');
          const result = await call('POST', `/dead-letters/${needSeq()}/replay`, {
            by,
            reason: values.reason,
            ...(values.force ? { force: true } : {}),
          });
          write(JSON.stringify(result, null, 2) + '\n');
          return 0;
        }
        // The API replays at most 100 letters a request and says whether more are left.
        // Asked again with the first request's upToSeq, so that letters which fail again (and come
        // back with higher sequences) wait for the operator instead of being replayed in a loop.
        if (values.force) throw new UsageError('--force replays one letter at a time, never --all');
        const replayed: unknown[] = [];
        const skipped: unknown[] = [];
        let upToSeq: number | undefined;
        for (;;) {
          const page = (await call('POST', '/dead-letters/replay', {
            by,
            reason: values.reason,
            consumer: values.consumer,
            code: values.code,
            upToSeq,
          })) as { replayed: unknown[]; skipped?: unknown[]; more: boolean; upToSeq: number };
          replayed.push(...page.replayed);
          skipped.push(...(page.skipped ?? []));
          upToSeq = page.upToSeq;
          if (!page.more || page.replayed.length === 0) break;
        }
        write(JSON.stringify({ replayed, skipped }, null, 2) + '\n');
        return 0;
      }
      case 'discard':
        if (!values.reason?.trim()) throw new UsageError('discard needs --reason: why it is discarded');
        write(
          JSON.stringify(
            await call('POST', `/dead-letters/${needSeq()}/discard`, { by, reason: values.reason }),
            null,
            2,
          ) + '\n',
        );
        return 0;
      default:
        throw new UsageError(command ? `unknown dlq command: ${command}` : 'which dlq command?');
    }
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      writeError(`${(e as Error).message}\n${DLQ_USAGE}\n`);
      return 2;
    }
    writeError(`${(e as Error).message}\n`);
    return 1;
  }
}

async function request(
  base: string,
  method: 'GET' | 'POST',
  path: string,
  body: unknown,
  token: string,
): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new Error(`no orchestrator answering at ${base} (is ./throughcare start running?): ${String(e)}`);
  }
  const text = await res.text();
  if (!res.ok) {
    let detail = text;
    try {
      const problem = JSON.parse(text) as { title?: string; detail?: string; errors?: unknown };
      detail = [problem.title, problem.detail, problem.errors ? JSON.stringify(problem.errors) : '']
        .filter(Boolean)
        .join(': ');
    } catch {
      /* not problem+json */
    }
    throw new Error(`${method} ${path} → ${res.status} ${detail}`);
  }
  return JSON.parse(text) as unknown;
}
