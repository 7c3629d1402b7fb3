// Malicious pickles: `os.system` via __reduce__, `builtins.exec` and `subprocess.Popen` hidden inside
// benign-looking dicts, in plain .pkl files and in a PyTorch .pt zip. Scanning and inspecting them
// reports safety.verdict 'dangerous' with the globals listed, and the side effect never happens: each
// payload would create a marker file, which does not exist after scanning and inspecting. Then Python
// loads the same files (the positive control) and the markers appear: the payloads are live.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FileInspection, Source } from '../../../shared/contract';
import { writeStoredZip } from '../../core/demo/zip-writer';
import { createEngine } from '../../core/engine';
import type { Engine } from '../../core/engine-api';
import { openReadOnly } from './helpers';

const enc = (s: string) => Buffer.from(s, 'utf8');
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
/** BINUNICODE: 'X' + u32 length + UTF-8 */
const str = (s: string) => Buffer.concat([enc('X'), u32(Buffer.byteLength(s)), enc(s)]);
/** SHORT_BINUNICODE: 0x8c + u8 length + UTF-8 */
const sstr = (s: string) => Buffer.concat([Buffer.from([0x8c, Buffer.byteLength(s)]), enc(s)]);

/** Protocol 0, what `pickle.dumps(Evil(), 0)` writes for __reduce__ = (os.system, (cmd,)). */
const osSystem = (marker: string) => enc(`cos\nsystem\n(S'touch ${marker}'\ntR.`);

/** Protocol 2: {'model': 'resnet18', 'epoch': 3, 'lr': 0.001, 'state': exec("open(marker,'w').write('x')")}. */
function execInDict(marker: string, module = 'builtins', name = 'exec', code = `open(${JSON.stringify(marker)}, 'w').write('pwned')`): Buffer {
  return Buffer.concat([
    Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x28]), // PROTO 2, EMPTY_DICT, BINPUT 0, MARK
    str('model'),
    str('resnet18'),
    str('epoch'),
    Buffer.from([0x4b, 0x03]), // BININT1 3
    str('state'),
    enc(`c${module}\n${name}\n`), // GLOBAL
    str(code),
    Buffer.from([0x85, 0x52]), // TUPLE1, REDUCE
    str('lr'),
    Buffer.from([0x47, 0x3f, 0x50, 0x62, 0x4d, 0xd2, 0xf1, 0xa9, 0xfc]), // BINFLOAT 0.001
    Buffer.from([0x75, 0x2e]), // SETITEMS, STOP
  ]);
}

/** Protocol 4: {'weights': [1, 2], 'meta': subprocess.Popen(['touch', marker])}, with STACK_GLOBAL. */
function popenInDict(marker: string): Buffer {
  return Buffer.concat([
    Buffer.from([0x80, 0x04, 0x7d, 0x94, 0x28]), // PROTO 4, EMPTY_DICT, MEMOIZE, MARK
    sstr('weights'),
    Buffer.from([0x5d, 0x94, 0x28, 0x4b, 0x01, 0x4b, 0x02, 0x65]), // EMPTY_LIST, MEMOIZE, MARK, 1, 2, APPENDS
    sstr('meta'),
    sstr('subprocess'),
    sstr('Popen'),
    Buffer.from([0x93, 0x94]), // STACK_GLOBAL, MEMOIZE
    Buffer.from([0x28]), // MARK
    sstr('touch'),
    sstr(marker),
    Buffer.from([0x6c, 0x85, 0x52]), // LIST, TUPLE1, REDUCE
    Buffer.from([0x75, 0x2e]), // SETITEMS, STOP
  ]);
}

function torchZip(dataPkl: Uint8Array): Uint8Array {
  return writeStoredZip([
    { name: 'archive/data.pkl', data: dataPkl },
    { name: 'archive/byteorder', data: enc('little') },
    { name: 'archive/version', data: enc('3\n') },
  ]);
}

function findPython(): string {
  for (const p of ['/usr/bin/python3', '/usr/local/bin/python3']) if (existsSync(p)) return p;
  const r = spawnSync('python3', ['--version']);
  if (r.status === 0) return 'python3';
  throw new Error('python3 is needed for the positive control (it proves the payloads are live). Install it with: sudo apt-get install -y python3');
}

describe('malicious pickles are reported, never run', () => {
  let dir: string;
  let share: string;
  let markers: Record<string, string>;
  let engine: Engine;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ms-hard-pickle-'));
    share = path.join(dir, 'share');
    await mkdir(path.join(share, 'models', 'evil'), { recursive: true });
    markers = {
      'models/evil/os-system.pkl': path.join(dir, 'marker-os-system'),
      'models/evil/exec-in-dict.pkl': path.join(dir, 'marker-exec'),
      'models/evil/popen-in-dict.pkl': path.join(dir, 'marker-popen'),
      'models/evil/model.pt': path.join(dir, 'marker-pt'),
      'models/evil/legacy.pth': path.join(dir, 'marker-pth'),
    };
    await writeFile(path.join(share, 'models/evil/os-system.pkl'), osSystem(markers['models/evil/os-system.pkl'] as string));
    await writeFile(path.join(share, 'models/evil/exec-in-dict.pkl'), execInDict(markers['models/evil/exec-in-dict.pkl'] as string));
    await writeFile(path.join(share, 'models/evil/popen-in-dict.pkl'), popenInDict(markers['models/evil/popen-in-dict.pkl'] as string));
    await writeFile(path.join(share, 'models/evil/model.pt'), torchZip(execInDict(markers['models/evil/model.pt'] as string)));
    // A bare pickle saved as .pth: os.system reached as posix.system (what Linux pickles name it).
    await writeFile(path.join(share, 'models/evil/legacy.pth'), execInDict('', 'posix', 'system', `touch ${markers['models/evil/legacy.pth']}`));
    engine = await createEngine({ dataDir: path.join(dir, 'data') });
  });

  afterAll(async () => {
    await engine?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('scan and inspect say dangerous and list the globals; no marker appears; Python loading them creates every marker', async () => {
    const added = await engine.call('sources.add', { location: share });
    expect(added.ok, JSON.stringify(added)).toBe(true);
    const scanned = await engine.call('sources.scan', { id: (added as { value: Source }).value.id });
    expect(scanned.ok, JSON.stringify(scanned)).toBe(true);

    const expected: Record<string, string> = {
      'models/evil/os-system.pkl': 'os.system',
      'models/evil/exec-in-dict.pkl': 'builtins.exec',
      'models/evil/popen-in-dict.pkl': 'subprocess.Popen',
      'models/evil/model.pt': 'builtins.exec',
      'models/evil/legacy.pth': 'posix.system',
    };
    const db = openReadOnly(path.join(dir, 'data'));
    try {
      for (const [rel, global] of Object.entries(expected)) {
        const row = db.prepare('SELECT format, meta_json FROM entry WHERE path = ?').get(rel) as { format: string; meta_json: string } | undefined;
        expect(row, rel).toBeDefined();
        const meta = JSON.parse(row?.meta_json ?? '{}') as { metadata?: { safety?: { verdict: string; globals: string[]; dangerous: string[] } }; warnings?: string[] };
        expect(meta.metadata?.safety?.verdict, rel).toBe('dangerous');
        expect(meta.metadata?.safety?.dangerous, rel).toContain(global);
        expect(meta.metadata?.safety?.globals, rel).toContain(global);
        expect(meta.warnings?.[0], rel).toMatch(new RegExp(`dangerous globals: .*${global.replace('.', '\\.')}`));
      }
    } finally {
      db.close();
    }
    for (const [rel, global] of Object.entries(expected)) {
      const r = await engine.call('files.inspect', { location: path.join(share, rel) });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      const info = (r as { value: FileInspection }).value;
      const safety = info.metadata.safety as { verdict: string; dangerous: string[] };
      expect(safety.verdict, rel).toBe('dangerous');
      expect(safety.dangerous, rel).toContain(global);
    }

    // Give anything that might have been started (Popen runs asynchronously) time to show itself.
    await new Promise((r) => setTimeout(r, 500));
    for (const [rel, marker] of Object.entries(markers)) expect(existsSync(marker), `${rel} ran its payload`).toBe(false);

    // Positive control: Python's own pickle.load runs every payload, so the markers were reachable.
    const python = findPython();
    const script = [
      'import pickle, sys, time, zipfile',
      'for p in sys.argv[1:]:',
      '    data = zipfile.ZipFile(p).read("archive/data.pkl") if p.endswith(".pt") else open(p, "rb").read()',
      '    try:',
      '        pickle.loads(data)',
      '    except Exception as e:',
      '        print(p, "raised", repr(e))',
      'time.sleep(0.5)',
    ].join('\n');
    const control = spawnSync(python, ['-c', script, ...Object.keys(markers).map((rel) => path.join(share, rel))], { encoding: 'utf8', timeout: 30_000 });
    expect(control.status, control.stderr).toBe(0);
    for (const [rel, marker] of Object.entries(markers)) expect(existsSync(marker), `the payload of ${rel} is not live: ${control.stdout}`).toBe(true);
  }, 60_000);
});
