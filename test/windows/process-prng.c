/*
 * bcryptprimitives.dll for Wine 8, which lacks it: Rust's standard library (1.78 and later)
 * imports ProcessPrng from it, so @napi-rs/keyring's Windows binary fails to load without it
 * ("Module not found"). Windows' own ProcessPrng fills the buffer from the system RNG and
 * always succeeds; RtlGenRandom (advapi32's SystemFunction036) is that RNG under Wine.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  /* RtlGenRandom takes a ULONG length: feed it in chunks a ULONG can count. */
  while (length > 0) {
    ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
