import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_SEGMENT_BYTES, safeRelativePath, safeSegment, UniquePaths } from './safe-path';

// Names a share can hold (or a hostile catalog row could carry) that must not escape, collide with a
// device, or become a different file on another OS.
const HOSTILE = [
  '..',
  '../..',
  '../../etc/passwd',
  '..\\..\\Windows\\System32\\drivers\\etc\\hosts',
  '/etc/passwd',
  '//server/share/x',
  '\\\\server\\share\\x',
  '\\\\?\\C:\\x',
  'C:\\Windows\\win.ini',
  'C:relative.txt',
  'a/../../b',
  'a/./../.././b',
  '....//....//x',
  '. ./x',
  'CON',
  'con.txt',
  'Con.Tar.Gz',
  'NUL',
  'nul .txt',
  'AUX',
  'PRN.log',
  'COM1',
  'com9.bin',
  'LPT1',
  'lpt¹',
  'COM²',
  'CONIN$',
  'conout$.txt',
  'a:b',
  'file.txt::$DATA',
  'model.safetensors:Zone.Identifier',
  'x<y>z',
  'what?.txt',
  'star*.bin',
  'pipe|name',
  'quote"d',
  'trailing.',
  'trailing ',
  'dots...',
  'spaces   ',
  'tab\tname',
  'new\nline',
  'nul\u0000byte',
  'bell\u0007',
  'del\u007f',
  'c1\u0085control',
  'invoice\u202Efdp.exe',
  'bom\ufeffname',
  `${'a'.repeat(300)}.safetensors`,
  `${'é'.repeat(200)}.bin`,
  `${'🙂'.repeat(100)}`,
  `deep/${'x'.repeat(400)}/${'y'.repeat(400)}`,
  'e\u0301.txt',
];

function assertSafe(result: string): void {
  const root = path.resolve('/dest/bundle');
  const joined = path.resolve(root, ...result.split('/'));
  expect(joined.startsWith(`${root}${path.sep}`), `${result} escapes`).toBe(true);
  for (const seg of result.split('/')) {
    expect(seg).not.toBe('');
    expect(seg).not.toBe('.');
    expect(seg).not.toBe('..');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that none are left
    expect(seg).not.toMatch(/[<>:"|?*\\\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(seg).not.toMatch(/[. ]$/);
    expect(seg.split('.')[0]?.trimEnd()).not.toMatch(/^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i);
    expect(new TextEncoder().encode(seg).length).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
    expect(seg).toBe(seg.normalize('NFC'));
  }
}

describe('safeRelativePath', () => {
  it.each(HOSTILE.map((name) => [JSON.stringify(name).slice(0, 50), name]))(
    'keeps %s inside the destination, valid on Windows, macOS and Linux',
    (_label, name) => {
      assertSafe(safeRelativePath(name as string));
    },
  );

  it('keeps ordinary names exactly', () => {
    for (const p of ['model.safetensors', 'tokenizer/vocab.txt', '.gitattributes', 'weights/best.pt', 'résumé.md', 'a b/c d.txt', 'v1.2.3/model.onnx']) {
      expect(safeRelativePath(p)).toBe(p);
    }
  });

  it('turns parent references and absolute forms into plain names', () => {
    expect(safeRelativePath('../../etc/passwd')).toBe('_/_/etc/passwd');
    expect(safeRelativePath('/etc/passwd')).toBe('etc/passwd');
    expect(safeRelativePath('C:\\Windows\\win.ini')).toBe('C_/Windows/win.ini');
    expect(safeRelativePath('\\\\server\\share\\x')).toBe('server/share/x');
    expect(safeRelativePath('a/./b//c/')).toBe('a/b/c');
  });

  it('escapes device names, stream separators, trailing dots and bidi tricks', () => {
    expect(safeRelativePath('CON')).toBe('_CON');
    expect(safeRelativePath('nul.txt')).toBe('_nul.txt');
    expect(safeRelativePath('COM1.tar.gz')).toBe('_COM1.tar.gz');
    expect(safeRelativePath('file.txt::$DATA')).toBe('file.txt__$DATA');
    expect(safeRelativePath('name.')).toBe('name');
    expect(safeRelativePath('invoice\u202Efdp.exe')).toBe('invoice_fdp.exe');
    expect(safeRelativePath('CONSOLE.txt')).toBe('CONSOLE.txt');
  });

  it('shortens overlong names keeping the extension, and keeps two long names apart', () => {
    const a = safeSegment(`${'a'.repeat(300)}-1.safetensors`);
    const b = safeSegment(`${'a'.repeat(300)}-2.safetensors`);
    expect(a).toMatch(/^a+~[0-9a-f]{8}\.safetensors$/);
    expect(a).not.toBe(b);
    expect(new TextEncoder().encode(safeSegment('🙂'.repeat(100))).length).toBeLessThanOrEqual(MAX_SEGMENT_BYTES);
  });

  it('refuses a path with no name left', () => {
    for (const p of ['', '/', '\\\\', './', '././.']) expect(() => safeRelativePath(p)).toThrow(/no usable name/);
  });
});

describe('UniquePaths', () => {
  it('keeps names apart on case-insensitive disks, files and folders included', () => {
    const u = new UniquePaths();
    u.reserve('README.md');
    expect(u.take('readme.md')).toBe('readme (2).md');
    expect(u.take('Model.bin')).toBe('Model.bin');
    expect(u.take('model.BIN')).toBe('model (2).BIN');
    expect(u.take('model.bin')).toBe('model (3).bin');
    expect(u.take('a')).toBe('a');
    expect(u.take('A/b.txt')).toBe('A (folder)/b.txt');
    expect(u.take('dir/x')).toBe('dir/x');
    expect(u.take('DIR')).toBe('DIR (2)');
    expect(u.take('e\u0301.txt')).toBe('e\u0301.txt');
    expect(u.take('\u00e9.txt')).toBe('\u00e9 (2).txt');
    expect(() => u.reserve('model.bin')).toThrow(/taken/);
  });
});
