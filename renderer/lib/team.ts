// Plain words for the team features: the activity log's sentences, a source's connection health,
// and the addresses typed into "Connect a NAS".
import type { ActivityEntry, Source } from '../../shared/contract';

function capitalize(word: string): string {
  return word ? word.charAt(0).toUpperCase() + word.slice(1) : word;
}

function clip(text: string, max = 80): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** "Ana moved production to churn-classifier 3", "Ben tagged churn-classifier “reviewed”". */
export function activitySentence(entry: ActivityEntry): string {
  const who = capitalize(entry.who || 'Someone');
  const target = entry.versionLabel ? `${entry.itemName} ${entry.versionLabel}` : entry.itemName;
  const value = entry.value;
  switch (entry.action) {
    case 'alias.set':
      return / moved /.test(entry.summary) ? `${who} moved ${value} to ${target}` : `${who} set ${value} on ${target}`;
    case 'alias.remove':
      return `${who} removed ${value} from ${target}`;
    case 'stage.set':
      return `${who} set the stage of ${target} to ${value}`;
    case 'stage.clear':
      return `${who} cleared the stage of ${target}`;
    case 'tag.add':
      return `${who} tagged ${target} “${value}”`;
    case 'tag.remove':
      return `${who} removed the tag “${value}” from ${target}`;
    case 'note.add':
      return `${who} added a note to ${target}: “${clip(value)}”`;
    case 'note.remove':
      return `${who} removed a note from ${target}`;
    case 'link.add':
      return `${who} linked ${target} to ${value}`;
    case 'link.remove':
      return `${who} removed the link from ${target} to ${value}`;
    default:
      return entry.summary ? capitalize(entry.summary) : `${who} changed ${target}`;
  }
}

/** "v3" for a numbered version, else the label as it is ("v3", "2024-05-01"). */
export function versionName(label: string): string {
  return /^\d+$/.test(label) ? `v${label}` : label;
}

/** "Put production back on v3": undoing an alias move seen in the activity log. */
export function rollbackLabel(entry: ActivityEntry): string {
  return `Put ${entry.value} back on ${versionName(entry.previousVersionLabel ?? '')}`;
}

/**
 * The alias moves in a newest-first log that can be undone in one step: ids of the alias.set
 * entries that moved an alias off another version, on a model still in the catalog, and are the
 * newest change of that alias (same source, model and name). Being the newest change is what says
 * the alias is still where that entry put it — so putting it back on the version before does
 * something. An older move is not offered: the alias has changed since, and undoing it would not
 * mean what the sentence says. `entries` must hold every change newer than the ones it holds
 * (the newest N entries of the whole log do; a list filtered by person does not).
 */
export function rollbackIds(entries: readonly ActivityEntry[]): Set<string> {
  const seen = new Set<string>();
  const out = new Set<string>();
  for (const e of entries) {
    if (e.action !== 'alias.set' && e.action !== 'alias.remove') continue;
    const key = `${e.sourceId}\u0000${e.itemKind}\u0000${e.itemPath}\u0000${e.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (e.action === 'alias.set' && e.itemId !== null && e.previousVersionLabel && e.previousVersionLabel !== e.versionLabel) out.add(e.id);
  }
  return out;
}

/** Why team changes cannot be saved on a source, or null when they can (or it is not known yet). */
export function readOnlyReason(source: Source | undefined): string | null {
  if (source?.writable !== false) return null;
  return source.readOnlyReason ?? `${source.name} is read-only for you: aliases, stages, tags and notes cannot be saved there. Everything stays browsable.`;
}

/** Why team changes are off for a source: a write refused this session, else what the engine learnt on connecting. */
export function writeBlockReason(s: { writeBlocks: Record<number, string>; sources: Source[] }, sourceId: number): string | null {
  return s.writeBlocks[sourceId] ?? readOnlyReason(s.sources.find((src) => src.id === sourceId));
}

const clock = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', hour12: false });

/** The health of a source in a few words: "Online", "Reconnecting… (next try in 20 s)", … */
export function healthText(source: Source, now: number = Date.now()): string | null {
  const health = source.health;
  if (!health) return null;
  switch (health.state) {
    case 'online':
      return 'Online';
    case 'connecting': {
      if (health.nextRetryAt === null) return 'Reconnecting…';
      const seconds = Math.max(0, Math.ceil((health.nextRetryAt - now) / 1000));
      return seconds > 0 ? `Reconnecting… (next try in ${seconds} s)` : 'Reconnecting… (trying now)';
    }
    case 'offline':
      return health.since !== null
        ? `Offline since ${clock.format(new Date(health.since))} — the catalog stays browsable`
        : 'Offline — the catalog stays browsable';
    case 'auth-failed':
      return 'Password was refused';
    case 'share-gone':
      return 'Share is gone';
    default:
      return null;
  }
}

export interface NasAddress {
  host: string;
  port: number | null;
  user: string | null;
  share: string | null;
}

/** "nas.local", "192.168.1.20:4450", "smb://ana@nas/models", "\\\\nas\\models" → its parts; null if it is not an address. */
export function parseNasAddress(input: string): NasAddress | null {
  let text = input.trim();
  if (!text) return null;
  if (text.startsWith('\\\\')) text = `smb://${text.slice(2).replace(/\\/g, '/')}`;
  else if (text.startsWith('//')) text = `smb:${text}`;
  else if (!/^smb:\/\//i.test(text)) text = `smb://${text}`;
  const m = /^smb:\/\/(?:([^@/]*)@)?(\[[0-9a-fA-F:.]+\]|[^/:]+)(?::(\d{1,5}))?(?:\/([^/]+))?\/?.*$/i.exec(text);
  if (!m) return null;
  const host = (m[2] ?? '').replace(/^\[(.*)\]$/, '$1');
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(host) && !/^[0-9A-Fa-f:.]+$/.test(host)) return null;
  const port = m[3] ? Number(m[3]) : null;
  if (port !== null && (port < 1 || port > 65_535)) return null;
  return {
    host,
    port,
    user: m[1] ? decodeURIComponent(m[1]) : null,
    share: m[4] ? decodeURIComponent(m[4]) : null,
  };
}

/** smb://[domain;][user@]host[:port]/share — never with a password. */
export function shareUrl(address: { host: string; port: number | null }, share: string, user: string): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  const port = address.port && address.port !== 445 ? `:${address.port}` : '';
  let who = '';
  const name = user.trim();
  if (name) {
    const slash = name.indexOf('\\');
    who =
      slash > 0
        ? `${encodeURIComponent(name.slice(0, slash))};${encodeURIComponent(name.slice(slash + 1))}@`
        : `${encodeURIComponent(name)}@`;
  }
  return `smb://${who}${host}${port}/${encodeURIComponent(share)}`;
}
