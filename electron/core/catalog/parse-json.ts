/** JSON stored by the catalog itself; a damaged value reads as the fallback rather than failing a listing. */
export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}
