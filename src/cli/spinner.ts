import type { Writable } from 'node:stream';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAME_MS = 80;

/**
 * A spinner on one line of stderr while something waits; returns the function that erases it.
 * Only on a TTY: in a log file or a pipe the frames would be noise.
 */
export function startSpinner(stream: Writable & { isTTY?: boolean }, text: string): () => void {
  if (!stream.isTTY) return () => {};
  let frame = 0;
  const draw = () => stream.write(`\r${FRAMES[frame++ % FRAMES.length]} ${text}`);
  draw();
  const timer = setInterval(draw, FRAME_MS);
  // The spinner never keeps the process alive on its own.
  timer.unref();
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    stream.write('\r\u001b[2K');
  };
}
