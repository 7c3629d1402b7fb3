// Names from a share become names on this computer. A share can hold anything another OS allowed
// (a Linux NAS happily stores "CON", "a:b", "name." or "..\\x"); the destination may be Windows,
// macOS or Linux, and an exported bundle may be copied on to any of them. So Windows rules apply
// always, and the result can never step outside the folder it is joined to.
import { createHash } from 'node:crypto';

/**
 * Longest name segment, in UTF-8 bytes. Every common file system allows 255; the rest is kept for
 * the suffixes an export adds while writing (".partial", " (2)").
 */
export const MAX_SEGMENT_BYTES = 200;

// Reserved device names on Windows, with or without an extension ("nul.txt" is the device too);
// the digits include the superscripts Windows also treats as device numbers.
const RESERVED = /^(con|prn|aux|nul|conin\$|conout\$|clock\$|com[0-9¹²³]|lpt[0-9¹²³])$/i;
// Characters Windows refuses in names, C0/C1 controls, and bidi/format controls that make a name
// display as something it is not ("gpj.exe" shown as "exe.jpg").
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what we replace
const BAD_CHARS = /[<>:"|?*\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

const utf8 = new TextEncoder();

/** Cuts `text` to at most `maxBytes` UTF-8 bytes without splitting a character. */
function cutUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    const n = utf8.encode(ch).length;
    if (bytes + n > maxBytes) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/** One path segment made safe: never empty, '.', '..', reserved, or with a forbidden character. */
export function safeSegment(segment: string, maxBytes = MAX_SEGMENT_BYTES): string {
  let s = segment.normalize('NFC').replace(BAD_CHARS, '_');
  // Windows drops trailing dots and spaces, so "name." and "name" would be the same file; ".." and
  // "..." become nothing at all.
  s = s.replace(/[. ]+$/, '');
  if (s === '') s = '_';
  const stem = s.split('.')[0]?.replace(/ +$/, '') ?? s;
  if (RESERVED.test(stem)) s = `_${s}`;
  if (utf8.encode(s).length > maxBytes) {
    // Keep the extension and a hash of the whole name, so two long names that share a beginning
    // stay two files.
    const hash = createHash('sha256').update(segment).digest('hex').slice(0, 8);
    const dot = s.lastIndexOf('.');
    const ext = dot > 0 && s.length - dot <= 16 ? s.slice(dot) : '';
    const room = maxBytes - utf8.encode(`~${hash}${ext}`).length;
    s = `${cutUtf8(s.slice(0, s.length - ext.length), room).replace(/[. ]+$/, '')}~${hash}${ext}`;
  }
  return s;
}

/**
 * A share path ('/' or '\\' separated, possibly hostile) as a safe relative path ('/'-separated) to
 * join under a destination folder. Leading separators and drive letters lose their meaning, '.'
 * segments vanish and '..' becomes '_'. Throws when nothing is left.
 */
export function safeRelativePath(input: string, maxSegmentBytes = MAX_SEGMENT_BYTES): string {
  const segments = input
    .split(/[/\\]+/)
    .filter((s) => s !== '' && s !== '.')
    .map((s) => safeSegment(s, maxSegmentBytes));
  if (segments.length === 0) throw new Error(`"${input.slice(0, 100)}" has no usable name`);
  return segments.join('/');
}

/**
 * Makes a list of safe relative paths unique on a case-insensitive file system (Windows, macOS):
 * "Model.bin" and "model.bin" cannot both exist there, and neither can a file "a" and a folder "A".
 * Later paths get " (2)", " (3)"… before their extension; a folder that collides with a file gets
 * " (folder)". Input order decides who keeps the plain name, so sort the input for a stable result.
 */
export class UniquePaths {
  private readonly files = new Set<string>();
  private readonly dirs = new Set<string>();

  private static key(p: string): string {
    return p.normalize('NFC').toLowerCase();
  }

  /** Reserves a path that must stay exactly as it is (generated files such as README.md). */
  reserve(p: string): void {
    if (!this.free(p)) throw new Error(`"${p}" is already taken`);
    this.add(p);
  }

  private free(p: string): boolean {
    const k = UniquePaths.key(p);
    return !this.files.has(k) && !this.dirs.has(k) && !this.parentIsFile(p);
  }

  private parentIsFile(p: string): boolean {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) if (this.files.has(UniquePaths.key(parts.slice(0, i).join('/')))) return true;
    return false;
  }

  private add(p: string): void {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) this.dirs.add(UniquePaths.key(parts.slice(0, i).join('/')));
    this.files.add(UniquePaths.key(p));
  }

  /** Returns `p` or the nearest free variant of it, and takes it. */
  take(p: string): string {
    const parts = p.split('/');
    // Folders first: a folder named like an existing file gets its own name.
    for (let i = 0; i < parts.length - 1; i++) {
      while (this.files.has(UniquePaths.key(parts.slice(0, i + 1).join('/')))) {
        parts[i] = safeSegment(`${parts[i]} (folder)`);
      }
    }
    const dir = parts.slice(0, -1);
    const name = parts[parts.length - 1] as string;
    const dot = name.lastIndexOf('.');
    const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
    let candidate = [...dir, name].join('/');
    for (let n = 2; !this.free(candidate); n++) {
      candidate = [...dir, safeSegment(`${cutUtf8(stem, MAX_SEGMENT_BYTES - 24)} (${n})${ext}`)].join('/');
    }
    this.add(candidate);
    return candidate;
  }
}
