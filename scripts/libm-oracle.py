#!/usr/bin/python3
"""glibc expf/logf oracle for the TypeScript port (packages/xgboost/src/libm.ts).

Usage: /usr/bin/python3 scripts/libm-oracle.py <expf|logf> <start> <stride> <count>

Evaluates glibc's libm on the float32 bit patterns start + i*stride (mod 2^32), i < count, and writes the float32
results to stdout as raw little-endian bytes. A loop through ctypes one call at a time runs at ~1 µs per call, so a
tiny C loop (compiled once with the machine's gcc, cached under the temp dir) calls libm's expf/logf, and is loaded
with ctypes. Before streaming, 20,000 inputs are also evaluated by calling libm.so.6's expf/logf directly through
ctypes and compared with the loop, proving that the loop calls the same libm function.
"""
import ctypes
import hashlib
import os
import random
import struct
import subprocess
import sys
import tempfile

SRC = r"""
#include <math.h>
#include <stdint.h>
#include <string.h>
void run(int fn, uint32_t start, uint32_t stride, uint64_t count, uint32_t *out) {
  for (uint64_t i = 0; i < count; i++) {
    uint32_t b = start + (uint32_t)(i * (uint64_t)stride);
    float x, y;
    memcpy(&x, &b, 4);
    y = fn == 0 ? expf(x) : logf(x);
    memcpy(&out[i], &y, 4);
  }
}
"""


def helper():
    tag = hashlib.sha256(SRC.encode()).hexdigest()[:12]
    path = os.path.join(tempfile.gettempdir(), f"sf-libm-oracle-{tag}-{os.getuid()}.so")
    if not os.path.exists(path):
        src = path[:-3] + ".c"
        with open(src, "w") as f:
            f.write(SRC)
        tmp = path + f".{os.getpid()}"
        subprocess.run(["gcc", "-O2", "-fno-builtin", "-shared", "-fPIC", "-o", tmp, src, "-lm"], check=True)
        os.replace(tmp, path)
    lib = ctypes.CDLL(path)
    lib.run.argtypes = [ctypes.c_int, ctypes.c_uint32, ctypes.c_uint32, ctypes.c_uint64, ctypes.c_void_p]
    lib.run.restype = None
    return lib


def main():
    fn_name, start, stride, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    fn = {"expf": 0, "logf": 1}[fn_name]
    lib = helper()
    libm = ctypes.CDLL("libm.so.6")
    direct = getattr(libm, fn_name)
    direct.argtypes = [ctypes.c_float]
    direct.restype = ctypes.c_float
    rnd = random.Random(start ^ stride)
    probe = [rnd.getrandbits(32) for _ in range(20000)]
    buf = (ctypes.c_uint32 * 1)()
    for b in probe:
        lib.run(fn, b, 0, 1, buf)
        x = struct.unpack("<f", struct.pack("<I", b))[0]
        y = direct(x)
        yb = struct.unpack("<I", struct.pack("<f", y))[0]
        same = yb == buf[0] or (y != y and struct.unpack("<f", struct.pack("<I", buf[0]))[0] != struct.unpack("<f", struct.pack("<I", buf[0]))[0])
        if not same:
            sys.exit(f"helper loop and direct ctypes call disagree on input bits {b:#010x}")
    chunk = 1 << 22
    out = (ctypes.c_uint32 * chunk)()
    w = sys.stdout.buffer
    done = 0
    while done < count:
        n = min(chunk, count - done)
        lib.run(fn, (start + done * stride) & 0xFFFFFFFF, stride, n, out)
        w.write(memoryview(out).cast("B")[: n * 4])
        done += n
    w.flush()


if __name__ == "__main__":
    main()
