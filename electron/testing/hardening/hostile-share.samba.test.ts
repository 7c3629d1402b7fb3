// Hostile shares over real Samba with `follow symlinks = no` (links are not served at all): control
// characters, Windows-reserved names, trailing dots and spaces, dot-looking names, 255-byte names,
// invalid UTF-8 in the server's names, a 200-deep tree, links out of the share, headers claiming a
// billion tensors or 2^60 bytes, files appended to during the scan. See hostile.ts.
import { hostileShareSuite } from './hostile';

hostileShareSuite('no');
