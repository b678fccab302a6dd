// Injected by scripts/build.mjs into the vendored bundles in place of Intl.ListFormat: the
// real formatter, with ICU's data for it, is made when a list is first formatted.
export class LazyListFormat {
  #args;
  #real;

  constructor(...args) {
    this.#args = args;
  }

  #formatter() {
    return (this.#real ??= new globalThis.Intl.ListFormat(...this.#args));
  }

  format(list) {
    return this.#formatter().format(list);
  }

  formatToParts(list) {
    return this.#formatter().formatToParts(list);
  }

  resolvedOptions() {
    return this.#formatter().resolvedOptions();
  }
}
