// "Open in Finder / File Explorer / Files" for a source or a folder in it. The engine asks the
// operating system to show it (mounting a NAS share with the OS's own client when needed).
import { useEffect, useState } from 'react';
import type { AppError } from '../../shared/result';
import { useApi } from '../state/hooks';

let fileManagerName: Promise<string> | null = null;

export function OpenInFileManager({ sourceId, path }: { sourceId: number; path?: string }) {
  const api = useApi();
  const [app, setApp] = useState('Files');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    let live = true;
    // One app.info per window: the name does not change while it runs.
    fileManagerName ??= api.call('app.info', {}).then((r) => (r.ok && r.value.fileManager ? r.value.fileManager : 'Files'));
    void fileManagerName.then((name) => {
      if (live) setApp(name);
    });
    return () => {
      live = false;
    };
  }, [api]);

  async function open() {
    setBusy(true);
    setError(null);
    const result = await api.call('sources.openInFileManager', { id: sourceId, ...(path ? { path } : {}) });
    setBusy(false);
    if (!result.ok) setError(result.error);
  }

  return (
    <span className="open-in-file-manager">
      <button
        type="button"
        className="button ghost"
        data-testid="open-in-file-manager"
        disabled={busy}
        title={`Show these files in ${app} on this computer`}
        onClick={() => void open()}
      >
        {busy ? 'Opening…' : `Open in ${app}`}
      </button>
      {error && (
        <span className="inline-error" role="alert" data-testid="open-in-file-manager-error">
          {error.message}
        </span>
      )}
    </span>
  );
}
