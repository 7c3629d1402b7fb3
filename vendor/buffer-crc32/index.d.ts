/// <reference types="node" />
// Types of buffer-crc32 1.0.0's API, as implemented by index.js.
export = crc32;
declare function crc32(input: string | Uint8Array | number, partialCrc?: Buffer | number): Buffer;
declare namespace crc32 {
  function signed(input: string | Uint8Array | number, partialCrc?: Buffer | number): number;
  function unsigned(input: string | Uint8Array | number, partialCrc?: Buffer | number): number;
  const native: true;
}
