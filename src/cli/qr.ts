import qrcode from 'qrcode-generator';

/**
 * A QR code of `text` for a phone to scan off the terminal, two modules to a character cell
 * (half blocks), with the quiet zone scanners need. Light modules are drawn as blocks, so it
 * reads right on the usual dark terminal.
 */
export function terminalQrCode(text: string): string {
  // Level L: the smallest code; a terminal shows it sharp, with nothing to repair.
  const code = qrcode(0, 'L');
  code.addData(text);
  code.make();
  return code.createASCII(1, 2);
}
