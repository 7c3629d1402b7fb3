import { describe, expect, it } from 'vitest';
import { parseSharesTarget } from './cli-nas';

describe('modelshelf shares: the address', () => {
  it('reads smb:// with user, domain and port; \\\\host; a bare host', () => {
    expect(parseSharesTarget('smb://ana@nas.local:4450')).toEqual({ host: 'nas.local', port: 4450, user: 'ana' });
    expect(parseSharesTarget('smb://OFFICE;ana@nas')).toEqual({ host: 'nas', user: 'ana', domain: 'OFFICE' });
    expect(parseSharesTarget('smb://OFFICE%5Cana@nas')).toEqual({ host: 'nas', user: 'ana', domain: 'OFFICE' });
    expect(parseSharesTarget('\\\\nas\\models')).toEqual({ host: 'nas' });
    expect(parseSharesTarget('192.168.1.20')).toEqual({ host: '192.168.1.20' });
  });

  it('refuses a password in the address', () => {
    expect(() => parseSharesTarget('smb://ana:secret@nas')).toThrow(/password/);
  });
});
