import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper without type declarations
import { checkImport, importsOf } from './import-rules.mjs';

describe('import directions', () => {
  it('shared imports nothing but zod', () => {
    expect(checkImport('shared/contract.ts', 'zod')).toBeNull();
    expect(checkImport('shared/contract.ts', 'node:fs')).toMatch(/only zod/);
    expect(checkImport('shared/contract.ts', '../electron/core/engine')).toMatch(/may not import core/);
  });
  it('the engine never imports electron', () => {
    expect(checkImport('electron/core/engine.ts', 'electron')).toMatch(/never import electron/);
    expect(checkImport('electron/core/engine.ts', 'node:path')).toBeNull();
    expect(checkImport('electron/core/engine.ts', '../../shared/contract')).toBeNull();
    expect(checkImport('electron/core/engine.ts', '../main/window')).toMatch(/may not import main/);
  });
  it('the renderer imports only shared', () => {
    expect(checkImport('renderer/App.tsx', '../shared/contract')).toBeNull();
    expect(checkImport('renderer/App.tsx', '../electron/core/engine')).toMatch(/may not import core/);
    expect(checkImport('renderer/App.tsx', 'node:fs')).toMatch(/Node module/);
    expect(checkImport('renderer/App.tsx', 'electron')).toMatch(/must not import electron/);
  });
  it('preload sees only electron and shared', () => {
    expect(checkImport('electron/preload/preload.ts', 'electron')).toBeNull();
    expect(checkImport('electron/preload/preload.ts', '../../shared/contract')).toBeNull();
    expect(checkImport('electron/preload/preload.ts', '../core/engine')).toMatch(/may not import core/);
  });
  it('finds static, type-only, dynamic and require imports, not comments', () => {
    const text = `import a from 'x';\nimport type { B } from "y";\nexport * from './z';\nconst c = await import('w');\nconst d = require('v');\n// import e from 'nope'\nimport './side';`;
    expect(importsOf(text)).toEqual(['x', 'y', './z', 'w', 'v', './side']);
  });
});
