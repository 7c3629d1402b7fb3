// Reads one file's header through a FileSource. readFormat() turns every failure into a warning,
// which is right for a malformed file but wrong when the source itself fails (share gone, access
// denied): that says nothing about the file, so it is rethrown and the caller can retry later.
import { type FormatInfo, readFormat } from '../formats';
import { type FileSource, fileRange } from '../nas/file-source';

export async function readHeader(
  source: FileSource,
  path: string,
  name: string,
  size: number,
  opts: { byteCap?: number } = {},
): Promise<FormatInfo | null> {
  const range = fileRange(source, path, size);
  let sourceError: unknown = null;
  const watched = {
    size: range.size,
    read: (offset: number, length: number) =>
      range.read(offset, length).catch((err: unknown) => {
        sourceError ??= err;
        throw err;
      }),
  };
  const info = await readFormat(name, watched, opts);
  if (sourceError !== null) throw sourceError;
  return info;
}
