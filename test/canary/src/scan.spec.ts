import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { markerForms, Scan, scanBuffer, type Marker } from './scan';

const prisonNumber: Marker = { kind: 'prison number', value: 'Q4821XZ' };
const name: Marker = { kind: 'name', value: 'Canary Vexhollow' };
const forms = markerForms([prisonNumber, name]);
const formsFound = (buf: Buffer) => scanBuffer('test', buf, forms).map((h) => `${h.marker.kind}/${h.form}`);

describe('canary scanner', () => {
  it('finds a marker in UTF-8, lower case and UTF-16', () => {
    expect(formsFound(Buffer.from(`{"prisonNumber":"Q4821XZ"}`))).toEqual(['prison number/utf8']);
    expect(formsFound(Buffer.from(`person q4821xz`))).toEqual(['prison number/utf8-lower']);
    expect(formsFound(Buffer.from(`name: Canary Vexhollow.`, 'utf16le'))).toEqual(['name/utf16le']);
  });

  it('finds a marker inside a longer base64 or base64url value, at every offset', () => {
    for (let prefix = 0; prefix < 6; prefix++) {
      const value = Buffer.concat([randomBytes(prefix), Buffer.from('Q4821XZ'), randomBytes(5)]);
      for (const alphabet of ['base64', 'base64url'] as const) {
        const found = formsFound(Buffer.from(`data=${value.toString(alphabet)};`));
        expect([
          prefix,
          alphabet,
          // One form when both alphabets spell it the same.
          found.some((f) => new RegExp(`^prison number/base64(url)?@${prefix % 3}$`).test(f)),
        ]).toEqual([prefix, alphabet, true]);
      }
    }
  });

  it('finds nothing in data without the markers (random bytes, other prison numbers and names)', () => {
    const buf = Buffer.concat([
      randomBytes(1 << 20),
      Buffer.from(JSON.stringify({ prisonNumber: 'Q4821XY', other: 'A1234BC', name: 'Canary Vexhollo' })),
    ]);
    expect(formsFound(buf)).toEqual([]);
  });

  it('reads every file under a directory and counts places and bytes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'canary-scan-'));
    try {
      fs.mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'clean.log'), 'nothing here\n');
      fs.writeFileSync(path.join(dir, 'a', 'b', 'deep.blk'), Buffer.from('xx Q4821XZ xx'));
      const scan = new Scan(forms);
      expect(scan.path(dir)).toBe(2);
      expect({ places: scan.places.length, bytes: scan.bytes, hits: scan.hits.map((h) => h.place) }).toEqual({
        places: 2,
        bytes: 13 + 13,
        hits: [path.join(dir, 'a', 'b', 'deep.blk')],
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
