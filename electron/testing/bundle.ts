// Bundles a TypeScript entry of this tree into one CommonJS file with esbuild (as scripts/build.mjs
// does), so tests that need a separate process (time limits, the CLI as users run it) run the code
// in the tree. Native addons stay external and resolve through NODE_PATH=<repo>/node_modules.
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export async function bundleForNode(entry: string, outfile: string, external: string[] = []): Promise<string> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external,
    logLevel: 'silent',
  });
  return outfile;
}
