// The same hostile share with `follow symlinks = yes` (Samba's default: a link to a folder is served as
// a plain folder). Two links back to their own folder make the tree 2^100 folders: the scan never ends.
// PENDING FIX 3 (the walk lists each folder id once: FileIdBothDirectoryInformation + a set of listed
// folder ids in the scanner): fails on main (the scan does not finish within 60 s). Rename to
// hostile-links.samba.test.ts once the fix has landed.
import { hostileShareSuite } from './hostile';

hostileShareSuite('yes');
