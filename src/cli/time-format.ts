/** "in 42m", "in 1h 5m", "3m ago": how people read a token's remaining life. */
export function relativeTime(targetMs: number, nowMs: number): string {
  const seconds = Math.round((targetMs - nowMs) / 1000);
  const magnitude = Math.abs(seconds);
  const text =
    magnitude < 60
      ? `${magnitude}s`
      : magnitude < 3600
        ? `${Math.floor(magnitude / 60)}m`
        : magnitude < 86_400
          ? `${Math.floor(magnitude / 3600)}h ${Math.floor((magnitude % 3600) / 60)}m`
          : `${Math.floor(magnitude / 86_400)}d`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}
