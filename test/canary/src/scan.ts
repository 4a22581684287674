/**
 * The canary's scanner: looks for marker personal data, byte-wise, in files and in byte buffers
 * (protobuf-encoded Temporal API answers), in each form a value may take when stored or logged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Marker {
  /** What the marker stands for: a prison number, a name, a date of birth, a PNC number… */
  kind: string;
  value: string;
}

export interface MarkerForm {
  marker: Marker;
  /** utf8, utf8-lower, utf16le, base64@k / base64url@k (k: the marker's offset modulo 3). */
  form: string;
  bytes: Buffer;
}

export interface Hit {
  place: string;
  marker: Marker;
  form: string;
  offset: number;
  /** A few bytes around the hit (printable ASCII, others as '.'), to see where it came from. */
  context: string;
}

/**
 * The stretch of base64 text that encodes `bytes` wherever they sit in a longer value: for each of
 * the three offsets modulo 3, the characters that depend on the marker's bytes alone.
 */
export function base64Cores(
  bytes: Buffer,
  alphabet: 'base64' | 'base64url',
): { shift: number; core: string }[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes])
      .toString(alphabet)
      .replace(/=+$/, '');
    const start = Math.ceil((8 * shift) / 6);
    const end = Math.floor((8 * (shift + bytes.length)) / 6);
    return { shift, core: encoded.slice(start, end) };
  });
}

export function markerForms(markers: Marker[]): MarkerForm[] {
  const forms: MarkerForm[] = [];
  for (const marker of markers) {
    const utf8 = Buffer.from(marker.value, 'utf8');
    const add = (form: string, bytes: Buffer) => {
      if (!forms.some((f) => f.marker === marker && f.bytes.equals(bytes)))
        forms.push({ marker, form, bytes });
    };
    add('utf8', utf8);
    add('utf8-lower', Buffer.from(marker.value.toLowerCase(), 'utf8'));
    add('utf16le', Buffer.from(marker.value, 'utf16le'));
    for (const alphabet of ['base64', 'base64url'] as const)
      for (const { shift, core } of base64Cores(utf8, alphabet))
        add(`${alphabet}@${shift}`, Buffer.from(core));
  }
  return forms;
}

function context(buf: Buffer, offset: number, length: number): string {
  return buf
    .subarray(Math.max(0, offset - 24), offset + length + 24)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
}

/** Every occurrence of every form in `buf`. */
export function scanBuffer(place: string, buf: Buffer, forms: MarkerForm[]): Hit[] {
  const hits: Hit[] = [];
  for (const f of forms) {
    for (let at = buf.indexOf(f.bytes); at >= 0; at = buf.indexOf(f.bytes, at + 1)) {
      hits.push({
        place,
        marker: f.marker,
        form: f.form,
        offset: at,
        context: context(buf, at, f.bytes.length),
      });
    }
  }
  return hits;
}

/** Tally of a scan: places and bytes looked at, and what was found where. */
export class Scan {
  readonly places: { place: string; bytes: number }[] = [];
  readonly hits: Hit[] = [];

  constructor(private readonly forms: MarkerForm[]) {}

  buffer(place: string, buf: Buffer): void {
    this.places.push({ place, bytes: buf.length });
    this.hits.push(...scanBuffer(place, buf, this.forms));
  }

  /** A file, or every file under a directory (recursively). Returns the number of files read. */
  path(p: string): number {
    const stat = fs.statSync(p);
    if (stat.isFile()) {
      this.buffer(p, fs.readFileSync(p));
      return 1;
    }
    let n = 0;
    for (const e of fs.readdirSync(p, { withFileTypes: true })) {
      if (e.isDirectory() || e.isFile()) n += this.path(path.join(p, e.name));
    }
    return n;
  }

  get bytes(): number {
    return this.places.reduce((n, p) => n + p.bytes, 0);
  }

  /** Hits per place, each as `marker kind (form) at offset: context`. */
  summary(): string {
    return this.hits
      .map((h) => `${h.place}: ${h.marker.kind} (${h.form}) at ${h.offset}: …${h.context}…`)
      .join('\n');
  }
}
