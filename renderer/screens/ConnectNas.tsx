// "Connect a NAS" in three steps: 1. pick a device found on the network (or type its address),
// 2. pick one of its shares, 3. sign in, then Modelshelf adds the share and starts indexing it.
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import type { NasDevice, NasShareInfo, Source } from '../../shared/contract';
import type { AppError } from '../../shared/result';
import { type NasAddress, parseNasAddress, shareUrl } from '../lib/team';
import { useApi, useApp } from '../state/hooks';

type Step =
  | { step: 1 }
  | { step: 2; address: NasAddress; label: string }
  | { step: 3; address: NasAddress; label: string; share: string };

const DISCOVER_MS = 3000;

export function ConnectNas({ onDone, onCancel }: { onDone(source: Source): void; onCancel?(): void }) {
  const [state, setState] = useState<Step>({ step: 1 });
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  return (
    <div className="connect-nas" data-testid="connect-nas" data-step={state.step}>
      <ol className="steps" aria-label="Steps">
        {['Find the NAS', 'Choose a share', 'Sign in'].map((label, i) => (
          <li key={label} aria-current={state.step === i + 1 ? 'step' : undefined} className={state.step > i + 1 ? 'done' : undefined}>
            {i + 1}. {label}
          </li>
        ))}
      </ol>
      {state.step === 1 && (
        <FindStep
          onMounted={onDone}
          onPick={(address, label) => {
            if (address.user) setUser(address.user);
            if (address.share) setState({ step: 3, address, label, share: address.share });
            else setState({ step: 2, address, label });
          }}
        />
      )}
      {state.step === 2 && (
        <SharesStep
          address={state.address}
          label={state.label}
          user={user}
          password={password}
          setUser={setUser}
          setPassword={setPassword}
          onBack={() => setState({ step: 1 })}
          onPick={(share) => setState({ ...state, step: 3, share })}
        />
      )}
      {state.step === 3 && (
        <SignInStep
          address={state.address}
          label={state.label}
          share={state.share}
          user={user}
          password={password}
          setUser={setUser}
          setPassword={setPassword}
          onBack={() => setState({ step: 2, address: state.address, label: state.label })}
          onDone={onDone}
        />
      )}
      {onCancel && (
        <div className="actions connect-cancel">
          <button type="button" className="button ghost" onClick={onCancel}>
            Cancel
          </button>
        </div>
      )}
    </div>
  );
}

function deviceAddress(device: NasDevice): NasAddress {
  const parsed = parseNasAddress(device.url);
  return parsed ?? { host: device.addresses[0] ?? device.hostnames[0] ?? device.name, port: device.smbPort, user: null, share: null };
}

function FindStep({ onPick, onMounted }: { onPick(address: NasAddress, label: string): void; onMounted(source: Source): void }) {
  const api = useApi();
  const addMountedSource = useApp((s) => s.addMountedSource);
  const [mountError, setMountError] = useState<AppError | null>(null);
  const [devices, setDevices] = useState<NasDevice[] | null>(null);
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const [typed, setTyped] = useState('');
  const [typedError, setTypedError] = useState<string | null>(null);
  const seq = useRef(0);
  const ids = useId();

  const search = useCallback(async () => {
    const mine = ++seq.current;
    setSearching(true);
    setError(null);
    const result = await api.call('nas.discover', { timeoutMs: DISCOVER_MS });
    if (mine !== seq.current) return;
    setSearching(false);
    if (result.ok) setDevices(result.value.filter((d) => d.fileServer || d.mounted.length > 0 || d.foundBy.length > 0));
    else setError(result.error);
  }, [api]);

  useEffect(() => {
    void search();
    return () => {
      seq.current++;
    };
  }, [search]);

  function submit(event: FormEvent) {
    event.preventDefault();
    const address = parseNasAddress(typed);
    if (!address) {
      setTypedError('Type the NAS’s name or address, such as nas.local, 192.168.1.20 or smb://nas.local/models.');
      return;
    }
    setTypedError(null);
    onPick(address, address.port ? `${address.host}:${address.port}` : address.host);
  }

  // A share this computer already mounted is indexed through that folder: no password to type.
  async function addMountedShare(mountPoint: string) {
    setMountError(null);
    const result = await addMountedSource(mountPoint);
    if (result.ok) onMounted(result.value);
    else setMountError(result.error);
  }

  return (
    <section className="connect-step" aria-labelledby={`${ids}-h`}>
      <div className="panel-head">
        <h2 id={`${ids}-h`}>Devices on your network</h2>
        <button type="button" className="button ghost" data-testid="nas-refresh" onClick={() => void search()} disabled={searching}>
          Refresh
        </button>
      </div>
      {searching ? (
        <p className="searching" aria-live="polite" data-testid="nas-searching">
          <span className="spinner" aria-hidden="true" /> Looking for NAS devices on your network…
        </p>
      ) : error ? (
        <p className="inline-error" role="alert">
          {error.message}
        </p>
      ) : devices && devices.length === 0 ? (
        <p className="muted" data-testid="nas-discover-empty" aria-live="polite">
          No NAS answered on this network. That is common on Wi-Fi, VPNs and some office networks — type its address
          below instead.
        </p>
      ) : (
        <ul className="device-list">
          {(devices ?? []).map((d) => (
            <li key={d.id}>
              <button type="button" className="device" data-testid="nas-device" onClick={() => onPick(deviceAddress(d), d.name)}>
                <strong>{d.name}</strong>
                <span className="muted">{[d.model, d.addresses[0], d.mounted.length ? 'already mounted here' : null].filter(Boolean).join(' · ')}</span>
              </button>
              {d.mounted.map((m) => (
                <button
                  key={m.mountPoint}
                  type="button"
                  className="button ghost small"
                  data-testid="nas-use-mounted"
                  title={`Index ${m.url} through the folder this computer already has mounted`}
                  onClick={() => void addMountedShare(m.mountPoint)}
                >
                  Use the folder already mounted at <span className="mono">{m.mountPoint}</span>
                </button>
              ))}
            </li>
          ))}
        </ul>
      )}
      {mountError && (
        <p className="inline-error" role="alert" data-testid="nas-mounted-error">
          {mountError.message}
        </p>
      )}
      <form className="field" onSubmit={submit} noValidate>
        <label htmlFor={`${ids}-addr`}>Type an address</label>
        <div className="inline-field">
          <input
            id={`${ids}-addr`}
            className="input mono"
            data-testid="nas-address"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            placeholder="nas.local or 192.168.1.20"
            aria-invalid={typedError ? true : undefined}
            spellCheck={false}
            autoComplete="off"
          />
          <button type="submit" className="button primary" data-testid="nas-address-next">
            Next
          </button>
        </div>
        <p className="help">The NAS’s name or address, or a full share such as smb://nas.local/models.</p>
        {typedError && (
          <p className="inline-error" role="alert">
            {typedError}
          </p>
        )}
      </form>
    </section>
  );
}

interface CredentialProps {
  address: NasAddress;
  label: string;
  user: string;
  password: string;
  setUser(v: string): void;
  setPassword(v: string): void;
  onBack(): void;
}

function SharesStep({ address, label, user, password, setUser, setPassword, onBack, onPick }: CredentialProps & { onPick(share: string): void }) {
  const api = useApi();
  const [shares, setShares] = useState<NasShareInfo[] | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const seq = useRef(0);
  const ids = useId();

  const list = useCallback(
    async (who: string, pw: string) => {
      const mine = ++seq.current;
      setLoading(true);
      setError(null);
      const result = await api.call('nas.shares', {
        host: address.host,
        ...(address.port ? { port: address.port } : {}),
        ...(who.trim() ? { user: who.trim(), password: pw } : {}),
      });
      if (mine !== seq.current) return;
      setLoading(false);
      if (result.ok) setShares(result.value);
      else {
        setShares(null);
        setError(result.error);
      }
    },
    [api, address],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: ask once on arrival (as the user typed in step 1, or as a guest)
  useEffect(() => {
    void list(user, password);
    return () => {
      seq.current++;
    };
  }, [list]);

  function signIn(event: FormEvent) {
    event.preventDefault();
    void list(user, password);
  }

  return (
    <section className="connect-step" aria-labelledby={`${ids}-h`}>
      <div className="panel-head">
        <h2 id={`${ids}-h`}>Shares on {label}</h2>
        <button type="button" className="button ghost" onClick={onBack}>
          ← Back
        </button>
      </div>
      {loading ? (
        <p className="searching" aria-live="polite" data-testid="nas-shares-loading">
          <span className="spinner" aria-hidden="true" /> Asking {label} which shares it has…
        </p>
      ) : error ? (
        <p className="inline-error" role="alert" data-testid="nas-shares-error" data-code={error.code}>
          {error.message}
        </p>
      ) : shares && shares.length === 0 ? (
        <p className="muted">{label} shares nothing this account can see. Sign in as someone else below.</p>
      ) : (
        <ul className="share-list">
          {(shares ?? []).map((s) => (
            <li key={s.name}>
              <button
                type="button"
                className="device"
                data-testid="nas-share"
                data-share={s.name}
                disabled={!s.readable}
                aria-describedby={s.problem ? `${ids}-${s.name}-why` : undefined}
                onClick={() => onPick(s.name)}
              >
                <strong className="mono">{s.name}</strong>
                {s.comment && <span className="muted">{s.comment}</span>}
                {!s.readable && (
                  <span className="muted" id={`${ids}-${s.name}-why`}>
                    {s.problem ?? 'This account cannot open it.'}
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="signin-row" onSubmit={signIn}>
        <p className="help">
          {error?.code === 'AUTH_FAILED' ? 'Sign in to see the shares:' : 'To see shares for another account, sign in:'}
        </p>
        <div className="inline-field">
          <label className="sr-only" htmlFor={`${ids}-user`}>
            User name
          </label>
          <input
            id={`${ids}-user`}
            className="input"
            data-testid="nas-shares-user"
            placeholder="User name"
            value={user}
            onChange={(e) => setUser(e.target.value)}
            autoComplete="username"
          />
          <label className="sr-only" htmlFor={`${ids}-pw`}>
            Password
          </label>
          <input
            id={`${ids}-pw`}
            className="input"
            type="password"
            data-testid="nas-shares-password"
            placeholder="Password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            autoComplete="current-password"
          />
          <button type="submit" className="button" data-testid="nas-shares-signin" disabled={loading}>
            Show shares
          </button>
        </div>
      </form>
    </section>
  );
}

function SignInStep({
  address,
  label,
  share,
  user,
  password,
  setUser,
  setPassword,
  onBack,
  onDone,
}: CredentialProps & { share: string; onDone(source: Source): void }) {
  const addSource = useApp((s) => s.addSource);
  const [remember, setRemember] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const ids = useId();
  const location = shareUrl(address, share, user);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const result = await addSource({ location, name: `${share} on ${address.host}`, ...(user.trim() && password ? { password, remember } : {}) });
    setBusy(false);
    if (!result.ok) {
      setError(result.error);
      if (result.error.code === 'AUTH_FAILED') passwordRef.current?.focus();
      return;
    }
    onDone(result.value);
  }

  return (
    <section className="connect-step" aria-labelledby={`${ids}-h`}>
      <div className="panel-head">
        <h2 id={`${ids}-h`}>
          Sign in to <span className="mono">{share}</span> on {label}
        </h2>
        <button type="button" className="button ghost" onClick={onBack}>
          ← Back
        </button>
      </div>
      <form className="form" onSubmit={submit} noValidate aria-busy={busy}>
        <div className="field">
          <label htmlFor={`${ids}-user`}>User name</label>
          <input
            id={`${ids}-user`}
            className="input"
            data-testid="nas-user"
            value={user}
            onChange={(e) => setUser(e.target.value)}
            autoComplete="username"
          />
          <p className="help">Your account on the NAS. Leave it empty for guest access.</p>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-pw`}>Password</label>
          <input
            ref={passwordRef}
            id={`${ids}-pw`}
            className="input"
            type="password"
            data-testid="nas-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={error?.code === 'AUTH_FAILED' ? true : undefined}
            autoComplete="current-password"
          />
        </div>
        <label className="check">
          <input type="checkbox" data-testid="nas-remember" checked={remember} onChange={(e) => setRemember(e.target.checked)} />
          Remember on this computer
        </label>
        <p className="help">
          {remember
            ? 'Kept in this computer’s keychain when it has one, so indexing can run without asking again. Never written to the index or the share.'
            : 'The engine keeps it while it indexes; use Forget on the Sources page to remove it from this computer.'}
        </p>
        <p className="help mono" title="The share Modelshelf will index">
          {location}
        </p>
        {error && (
          <div className="form-error" role="alert" data-testid="nas-connect-error" data-code={error.code}>
            {error.message}
          </div>
        )}
        <div className="actions">
          <button type="submit" className="button primary" data-testid="nas-connect" disabled={busy}>
            {busy ? 'Connecting…' : 'Connect and index'}
          </button>
        </div>
      </form>
    </section>
  );
}
