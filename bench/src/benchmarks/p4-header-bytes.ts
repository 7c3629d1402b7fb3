// P4: bytes read over SMB to index a 5 GiB safetensors, a 5 GiB GGUF and a 2 GiB ONNX (sparse files
// with real headers). Each file sits alone in a folder added as its own source, so the scan's
// bytesRead is that file's. Target: at most its header + 1 MiB.
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { type SparseModel, writeSparseModels } from '../data/sparse-models';
import type { BenchContext } from '../lib/context';
import { runChild } from '../lib/proc';
import { type BenchResult, loadavg } from '../lib/report';
import { startBenchSamba } from '../lib/samba-env';
import { fmtBytes, MiB, round } from '../lib/stats';

interface IndexResult {
  cold: { ms: number; summary: { bytesRead: number; filesRead: number; skipped: unknown[] }; smb: { roundTrips: number; requests: number } };
  items: Array<{ name: string; format: string; versions: Array<{ metadata: Record<string, unknown> }> }>;
}

export async function benchHeaderBytes(ctx: BenchContext): Promise<BenchResult[]> {
  const load0 = loadavg();
  let models: SparseModel[] = [];
  const env = await startBenchSamba({
    shares: [
      {
        name: 'sparse',
        seed: async (dir) => {
          const t0 = performance.now();
          models = writeSparseModels(dir);
          ctx.log(`sparse models written in ${round((performance.now() - t0) / 1000, 1)} s: ${models.map((m) => `${m.name} ${fmtBytes(m.size)} (header ${fmtBytes(m.headerBytes)})`).join(', ')}`);
        },
      },
    ],
  });
  try {
    const rows: Array<Record<string, unknown>> = [];
    let worst = 0;
    let allOk = true;
    for (const m of models) {
      const r = (
        await runChild<IndexResult>('index', {
          dataDir: mkdtempSync(path.join(ctx.workDir, 'p4-data-')),
          location: `${env.server.url('sparse')}/${m.folder}`,
          password: env.server.password,
          rescans: 0,
          items: true,
        })
      ).result;
      const bytes = r.cold.summary.bytesRead;
      const allowed = m.headerBytes + MiB;
      const meta = r.items[0]?.versions[0]?.metadata ?? {};
      const parsed = meta.parameters === m.expect.parameters;
      worst = Math.max(worst, bytes / allowed);
      if (bytes > allowed) allOk = false;
      rows.push({
        file: m.name,
        size: m.size,
        headerBytes: m.headerBytes,
        bytesRead: bytes,
        overHeaderBytes: bytes - m.headerBytes,
        allowed,
        within: bytes <= allowed,
        smbRoundTrips: r.cold.smb.roundTrips,
        scanMs: round(r.cold.ms, 0),
        parsedParameters: meta.parameters ?? null,
        expectedParameters: m.expect.parameters,
        metadataOk: parsed,
        warnings: meta.warnings ?? null,
        skipped: r.cold.summary.skipped,
      });
      ctx.log(`  ${m.name}: read ${fmtBytes(bytes)} of ${fmtBytes(m.size)} (header ${fmtBytes(m.headerBytes)}, allowed ${fmtBytes(allowed)}) in ${r.cold.smb.roundTrips} round trips; parameters ${parsed ? 'ok' : `WRONG (${String(meta.parameters)})`}`);
    }
    const metaOk = rows.every((r) => r.metadataOk);
    return [
      {
        id: 'P4',
        title: 'bytes read to index 5 GiB safetensors, 5 GiB GGUF, 2 GiB ONNX',
        measure: { value: round(worst, 3), unit: 'ratio', label: 'worst bytes read ÷ (header + 1 MiB) over the three files' },
        reference: null,
        ratio: null,
        target: 'bytes read ≤ header + 1 MiB, each file',
        status: allOk && metaOk ? 'pass' : 'miss',
        note: rows
          .map((r) => `${r.file} ${fmtBytes(r.bytesRead as number)} for a ${fmtBytes(r.headerBytes as number)} header in ${r.smbRoundTrips} round trips${r.metadataOk ? '' : ' (parameter count missing or wrong)'}`)
          .join('; '),
        details: { files: rows },
        load: { start: load0, end: loadavg() },
      },
    ];
  } finally {
    await env.stop();
  }
}
