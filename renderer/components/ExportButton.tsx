import type { BridgeApi } from '../../shared/app-api';
// "Export" on a version: copies its files to a folder on this computer (or one zip) through the
// engine's export.version, with progress, cancel, and a question before replacing an earlier
// export. Builds whose contract does not have that method yet say so instead.
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import type { ItemVersion } from '../../shared/contract';
import { formatBytes } from '../../shared/format';
import type { AppError } from '../../shared/result';
import { callOptional, hasMethod } from '../api/optional';
import { useApi } from '../state/hooks';
import { useMenuCommand } from '../state/menu-commands';

export const EXPORT_METHOD = 'export.version';
export const EXPORT_MISSING = 'Export is not available yet';

/** The parts of export.progress this button shows (kept loose: the event is optional too). */
interface Progress {
  exportId: string;
  phase: string;
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
  /** Bytes per second lately (absent from older engines). */
  rate?: number;
  etaSeconds: number | null;
}

const LAYOUTS: Array<{ value: string; label: string }> = [
  { value: 'bundle', label: 'Files with checksums and a README (recommended)' },
  { value: 'hf', label: 'Hugging Face folder' },
  { value: 'mlflow', label: 'MLflow model folder' },
  { value: 'lmstudio', label: 'LM Studio models folder' },
];

const PHASE: Record<string, string> = {
  preparing: 'Getting ready',
  copying: 'Copying',
  verifying: 'Checking the copy',
  finishing: 'Finishing',
};

function newExportId(): string {
  return `ui-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function describeProgress(p: Progress): string {
  const parts = [PHASE[p.phase] ?? 'Exporting'];
  if (p.bytesTotal > 0) parts.push(`${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}`);
  if (p.filesTotal > 0) parts.push(`${p.filesDone} of ${p.filesTotal} files`);
  if (typeof p.rate === 'number' && p.rate > 0 && p.bytesDone < p.bytesTotal) parts.push(`${formatBytes(p.rate)}/s`);
  if (p.etaSeconds !== null && p.etaSeconds > 1) {
    parts.push(p.etaSeconds < 90 ? `about ${Math.round(p.etaSeconds)} s left` : `about ${Math.round(p.etaSeconds / 60)} min left`);
  }
  return parts.join(' · ');
}

export function ExportButton({ version, itemName }: { version: ItemVersion; itemName: string }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [destination, setDestination] = useState('');
  const [layout, setLayout] = useState('bundle');
  const [zip, setZip] = useState(false);
  const [running, setRunning] = useState<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  /** How the last attempt ended (one at a time): an error, a cancel (a zip starts over, a folder resumes), or done. */
  const [outcome, setOutcome] = useState<
    { error: AppError } | { cancelled: { zip: boolean } } | { done: { path: string; files: number | null; bytes: number | null } } | null
  >(null);
  const error = outcome && 'error' in outcome ? outcome.error : null;
  const cancelled = outcome && 'cancelled' in outcome ? outcome.cancelled : null;
  const done = outcome && 'done' in outcome ? outcome.done : null;
  const input = useRef<HTMLInputElement>(null);
  const ids = useId();
  const available = hasMethod(EXPORT_METHOD);
  // File › Export… in the desktop app opens this dialog.
  useMenuCommand(
    'export',
    useCallback(() => setOpen(true), []),
  );
  // In the desktop app a native folder picker exists; in the browser the path is typed.
  const bridge = (window as unknown as { modelshelf?: BridgeApi }).modelshelf;
  const pickFolder = bridge?.pickFolder?.bind(bridge);

  // Start from the Downloads folder the engine suggests, so a click on Export just works.
  useEffect(() => {
    if (!open || destination !== '') return;
    let live = true;
    api
      .call('app.info', {})
      .catch(() => null)
      .then((r) => {
      if (!r) return;
      const suggested = r.ok ? r.value.downloadsDir : undefined;
      if (live && typeof suggested === 'string' && suggested !== '') setDestination((d) => (d === '' ? suggested : d));
    });
    return () => {
      live = false;
    };
  }, [api, open, destination]);

  useEffect(() => {
    if (!running) return;
    const on = api.on as unknown as (event: string, listener: (payload: unknown) => void) => () => void;
    return on('export.progress', (payload) => {
      const p = payload as Progress;
      if (p && p.exportId === running) setProgress(p);
    });
  }, [api, running]);

  async function start(overwrite: boolean) {
    const where = destination.trim();
    if (!where) {
      setOutcome({ error: { code: 'INVALID_INPUT', message: 'Type the folder to copy the files into.' } });
      input.current?.focus();
      return;
    }
    const exportId = newExportId();
    setRunning(exportId);
    setProgress(null);
    setOutcome(null);
    const result = await callOptional(
      api,
      EXPORT_METHOD,
      { versionId: version.id, destination: where, layout, zip, exportId, ...(overwrite ? { overwrite: true } : {}) },
      EXPORT_MISSING,
    );
    setRunning(null);
    setProgress(null);
    if (!result.ok) {
      setOutcome(result.error.code === 'CANCELLED' ? { cancelled: { zip } } : { error: result.error });
      return;
    }
    const value = result.value as { path?: unknown; files?: unknown; bytes?: unknown } | null;
    setOutcome({
      done: {
        path: typeof value?.path === 'string' ? value.path : where,
        files: typeof value?.files === 'number' ? value.files : null,
        bytes: typeof value?.bytes === 'number' ? value.bytes : null,
      },
    });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!running) void start(false);
  }

  async function cancel() {
    if (running) await callOptional(api, 'export.cancel', { exportId: running }, '');
  }

  const percent = progress && progress.bytesTotal > 0 ? Math.min(100, (progress.bytesDone / progress.bytesTotal) * 100) : null;

  return (
    <div className="export">
      <button
        type="button"
        className="button"
        data-testid="export-button"
        aria-expanded={open}
        onClick={() => {
          setOpen(!open);
          if (!running) {
            setOutcome(null);
          }
        }}
      >
        {running ? (
          <>
            <span className="spinner" aria-hidden="true" /> Exporting…
          </>
        ) : (
          'Export…'
        )}
      </button>
      {open && (
        <div className="popover export-popover" role="dialog" aria-label={`Export ${itemName} ${version.label}`}>
          {!available ? (
            <div data-testid="export-unavailable">
              <strong>{EXPORT_MISSING}</strong>
              <p className="muted">
                This version of Modelshelf cannot copy models out yet. Until it can, the files are in{' '}
                <span className="mono">{version.path || '/'}</span> on the share.
              </p>
              <div className="actions">
                <button type="button" className="button small" onClick={() => setOpen(false)}>
                  Close
                </button>
              </div>
            </div>
          ) : (
            <form className="form" onSubmit={submit} aria-busy={running !== null}>
              <div className="field">
                <label htmlFor={`${ids}-dest`}>
                  Copy {itemName} {version.label} into this folder
                </label>
                <input
                  ref={input}
                  id={`${ids}-dest`}
                  className="input mono"
                  data-testid="export-destination"
                  value={destination}
                  onChange={(e) => setDestination(e.target.value)}
                  placeholder="/home/anna/Desktop"
                  autoComplete="off"
                  spellCheck={false}
                  disabled={running !== null}
                  // biome-ignore lint/a11y/noAutofocus: the popover opens for this field
                  autoFocus
                />
                {pickFolder ? (
                  <button
                    type="button"
                    className="button small"
                    disabled={running !== null}
                    onClick={async () => {
                      const dir = await pickFolder();
                      if (dir) setDestination(dir);
                    }}
                  >
                    Choose…
                  </button>
                ) : null}
              </div>
              <div className="field">
                <label htmlFor={`${ids}-layout`}>Arrange the files as</label>
                <select
                  id={`${ids}-layout`}
                  className="select wide"
                  value={layout}
                  onChange={(e) => setLayout(e.target.value)}
                  disabled={running !== null}
                  data-testid="export-layout"
                >
                  {LAYOUTS.map((l) => (
                    <option key={l.value} value={l.value}>
                      {l.label}
                    </option>
                  ))}
                </select>
              </div>
              <label className="check">
                <input type="checkbox" checked={zip} onChange={(e) => setZip(e.target.checked)} disabled={running !== null} />
                As one zip file
              </label>
              {running && (
                <div className="export-progress" role="status" data-testid="export-progress">
                  <div className="progress" aria-hidden="true">
                    <div className={`progress-bar${percent === null ? ' indeterminate' : ''}`} style={percent === null ? undefined : { width: `${percent}%` }} />
                  </div>
                  <span className="muted">{progress ? describeProgress(progress) : 'Starting…'}</span>
                </div>
              )}
              {error && (
                <div className="form-error" role="alert" data-testid="export-error">
                  {error.code === 'CONFLICT' && error.replaceable ? 'An export of this version is already in that folder.' : error.message}
                  {error.code === 'CONFLICT' && error.replaceable && (
                    <div className="actions">
                      <button type="button" className="button small danger" onClick={() => void start(true)}>
                        Replace it
                      </button>
                    </div>
                  )}
                </div>
              )}
              {cancelled && (
                <p className="muted" role="status" data-testid="export-cancelled">
                  {cancelled.zip
                    ? 'Export cancelled. The unfinished zip was removed; exporting again starts it over.'
                    : 'Export cancelled. Nothing half-copied looks finished; export again to the same folder to continue where it stopped.'}
                </p>
              )}
              {done && (
                <p className="export-done" role="status" data-testid="export-done">
                  Exported to <span className="mono">{done.path}</span>
                  {done.files !== null && ` — ${done.files} ${done.files === 1 ? 'file' : 'files'}`}
                  {done.bytes !== null && `, ${formatBytes(done.bytes)}`}.
                </p>
              )}
              <div className="actions">
                {running ? (
                  <button type="button" className="button" onClick={() => void cancel()} data-testid="export-cancel">
                    Cancel export
                  </button>
                ) : (
                  <button type="submit" className="button primary" data-testid="export-submit">
                    Export
                  </button>
                )}
                <button type="button" className="button ghost" onClick={() => setOpen(false)}>
                  Close
                </button>
              </div>
            </form>
          )}
        </div>
      )}
    </div>
  );
}
