// Minimal typing for the js-md4 package (it ships none). Only what crypto.ts uses.
declare module 'js-md4' {
  interface Md4 {
    arrayBuffer(message: ArrayBuffer | Uint8Array | string): ArrayBuffer;
  }
  const md4: Md4;
  export default md4;
}
