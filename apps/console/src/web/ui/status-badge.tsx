/** A run's or step's status, as a word (never colour alone) on a tinted badge. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge status-${status.toLowerCase()}`}>{status.toLowerCase()}</span>;
}
