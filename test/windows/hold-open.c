/*
 * hold-open PATH MILLISECONDS: holds PATH open as many Windows programs do (a virus scanner,
 * a backup or indexing service, an editor), sharing read and write but not delete, so that
 * nothing can replace or remove it meanwhile. Prints "held" once it holds the file.
 */
#include <windows.h>
#include <stdio.h>

int wmain(int argc, wchar_t **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: hold-open PATH MILLISECONDS\n");
    return 2;
  }
  HANDLE file = CreateFileW(argv[1], GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING, 0, NULL);
  if (file == INVALID_HANDLE_VALUE) {
    fprintf(stderr, "hold-open: cannot open the file (error %lu)\n", GetLastError());
    return 1;
  }
  printf("held\n");
  fflush(stdout);
  Sleep((DWORD)_wtoi(argv[2]));
  CloseHandle(file);
  return 0;
}
