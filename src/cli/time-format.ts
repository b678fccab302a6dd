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
  return targetMs >= nowMs ? `in ${text}` : `${text} ago`;
}

/** "2026-11-23 10:36:02 +01:00": the reader's own clock (whoami and status alike), with the offset so it is never ambiguous. */
export function localTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
  );
}
