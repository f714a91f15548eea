/** Values over this many characters of JSON start folded. */
const FOLD_AT = 400;

/** A JSON value pretty-printed; a large one folded behind its size, so a page of steps stays readable. */
export function JsonView({ label, value }: { label: string; value: unknown }) {
  if (value === null || value === undefined) return null;
  const text = JSON.stringify(value, null, 2) ?? String(value);
  if (text.length <= FOLD_AT)
    return (
      <div className="json">
        <span className="json-label">{label}</span>
        <pre>{text}</pre>
      </div>
    );
  return (
    <details className="json">
      <summary>
        {label} <span className="muted">({formatSize(text.length)}, folded)</span>
      </summary>
      <pre>{text}</pre>
    </details>
  );
}

function formatSize(chars: number): string {
  return chars < 10_000 ? `${chars} characters` : `${Math.round(chars / 1_000)} k characters`;
}
