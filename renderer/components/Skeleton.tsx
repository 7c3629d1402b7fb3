// Grey placeholder rows with the same height as real ones, so nothing jumps when data arrives.
export function SkeletonRows({ rows, columns = 1 }: { rows: number; columns?: number }) {
  return (
    <div className="skeleton-rows" aria-hidden="true">
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
        <div className="skeleton-row" key={i}>
          {Array.from({ length: columns }, (_, j) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
            <div className={`skeleton skeleton-cell w${(i + j) % 4}`} key={j} />
          ))}
        </div>
      ))}
    </div>
  );
}

/** Placeholder body for a table: same columns and row height as the real rows. */
export function SkeletonTableBody({ rows, columns }: { rows: number; columns: number }) {
  return (
    <tbody aria-hidden="true" className="skeleton-body">
      {Array.from({ length: rows }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
        <tr key={i}>
          {Array.from({ length: columns }, (_, j) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders
            <td key={j}>
              <div className={`skeleton skeleton-cell w${(i + j) % 4}`} />
            </td>
          ))}
        </tr>
      ))}
    </tbody>
  );
}
