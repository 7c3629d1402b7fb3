// Browser mode's token: the server prints a link with `?token=…`. We keep it in sessionStorage so a
// reload of the same tab (or a link without it) still works.
import { TOKEN_PARAM } from '../../shared/wire';

const STORAGE_KEY = 'modelshelf.token';

interface LocationLike {
  search: string;
  protocol: string;
  host: string;
}

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function readToken(location: LocationLike, storage: StorageLike | null): string | null {
  const fromUrl = new URLSearchParams(location.search).get(TOKEN_PARAM);
  if (fromUrl) {
    try {
      storage?.setItem(STORAGE_KEY, fromUrl);
    } catch {
      // Storage can be disabled (privacy settings); the token in the URL still works for this load.
    }
    return fromUrl;
  }
  try {
    return storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null;
  }
}

/** ws(s)://<host>/rpc?token=<token>, on the same host that served the page. */
export function rpcUrl(location: LocationLike, token: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const query = token ? `?${TOKEN_PARAM}=${encodeURIComponent(token)}` : '';
  return `${scheme}://${location.host}/rpc${query}`;
}
