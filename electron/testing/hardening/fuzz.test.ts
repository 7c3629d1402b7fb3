// Fuzzing every format reader (readFormat over each kind of file it handles: 18 formats) and every
// run reader (readRun over an in-memory share: 7 tools) with mutations of the demo library's real
// files — truncation, bit flips, huge length fields (u32/u64, headers and footers, zip directories),
// repeated chunks (deep nesting), splices, plus classic attacks (pickle memo cycles, 50k-deep nesting,
// 2^63-byte frames, GGUF claiming 2^62 tensors). Each input runs in a child process with a 256 MB heap
// and a watchdog of 1 s (+4 s per MiB of input: proportional work on a big input is not a hang).
// Criteria: 0 throws out of readFormat/readRun, outputs plain JSON of bounded size (metrics finite),
// 0 inputs over their time limit (confirmed by replaying them alone, twice), 0 out-of-memory.
//   full run: node scripts/hardening/fuzz.mjs (100,000 inputs per target)
import { fuzzSuite } from './fuzz/suite';

fuzzSuite('fuzzing the format and run readers', ['format', 'run'], 25, 25);
