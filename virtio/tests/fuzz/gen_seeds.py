#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora of the virtio fuzz harnesses (corpus/<harness>/<name>).

Guest memory in every harness starts at 0x100000 (T_MEM_BASE): descriptor table at +0,
available ring at +0x100, used ring at +0x200 (where fuzz_virtq and fuzz_virtio_blk put
them; the fuzz_virtio_mmio seeds program the same addresses), buffers from +0x300.
Run from anywhere: python3 gen_seeds.py
"""
import os
import struct

BASE = 0x100000
DESC, AVAIL, USED, BUF = 0, 0x100, 0x200, 0x300
NEXT, WRITE, INDIRECT = 1, 2, 4
HERE = os.path.dirname(os.path.abspath(__file__))


class Mem:
    def __init__(self, size=0x300):
        self.b = bytearray(size)

    def put(self, off, data):
        end = off + len(data)
        if end > len(self.b):
            self.b.extend(bytes(end - len(self.b)))
        self.b[off:end] = data

    def desc(self, i, addr, length, flags, nxt=0, table=DESC):
        self.put(table + 16 * i, struct.pack("<QIHH", addr, length, flags, nxt))

    def avail(self, heads, idx=None, flags=0):
        self.put(AVAIL, struct.pack("<HH", flags, len(heads) if idx is None else idx))
        for n, h in enumerate(heads):
            self.put(AVAIL + 4 + 2 * n, struct.pack("<H", h))

    def bytes(self):
        return bytes(self.b)


def write(harness, name, data):
    d = os.path.join(HERE, "corpus", harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def virtq_seeds():
    m = Mem()
    m.desc(0, BASE + BUF, 16, NEXT, 1)
    m.desc(1, BASE + BUF + 0x40, 64, WRITE)
    m.avail([0])
    write("virtq", "simple", bytes([4, 0]) + m.bytes())

    m = Mem()
    m.desc(0, BASE + BUF, 48, INDIRECT)
    m.desc(0, BASE + BUF + 0x40, 8, NEXT, 1, table=BUF)
    m.desc(1, BASE + BUF + 0x80, 8, NEXT, 2, table=BUF)
    m.desc(2, BASE + BUF + 0xc0, 8, WRITE, 0, table=BUF)
    m.avail([0, 0])
    write("virtq", "indirect", bytes([4, 1]) + m.bytes())

    m = Mem()
    m.desc(0, BASE + BUF, 8, NEXT, 1)
    m.desc(1, BASE + BUF, 8, NEXT, 0)
    m.avail([0])
    write("virtq", "loop", bytes([3, 0]) + m.bytes())

    m = Mem()
    for i in range(8):
        m.desc(i, BASE + BUF + 32 * i, 32, WRITE if i % 2 else 0)
    m.avail(list(range(8)))
    m.put(USED, struct.pack("<HH", 0, 0))
    write("virtq", "many", bytes([3, 0]) + m.bytes())

    m = Mem()
    m.desc(0, BASE + 0x10000 - 8, 16, 0)     # crosses into the read-only region
    m.desc(1, BASE + 0x10000, 16, WRITE)     # writable buffer in read-only memory
    m.avail([0, 1])
    write("virtq", "edges", bytes([2, 1]) + m.bytes())


def blk_request(m, head, slot, rtype, sector, data_len, data_write, payload=b""):
    hdr = BUF + 0x20 * slot
    status = hdr + 0x10
    data = 0x800 + 0x400 * slot
    m.put(hdr, struct.pack("<IIQ", rtype, 0, sector))
    m.put(data, payload)
    m.put(status, b"\xff")
    if data_len:
        m.desc(head, BASE + hdr, 16, NEXT, head + 1)
        m.desc(head + 1, BASE + data, data_len, NEXT | (WRITE if data_write else 0), head + 2)
        m.desc(head + 2, BASE + status, 1, WRITE)
    else:
        m.desc(head, BASE + hdr, 16, NEXT, head + 2)
        m.desc(head + 2, BASE + status, 1, WRITE)
    return head


def blk_mem():
    m = Mem()
    heads = [
        blk_request(m, 0, 0, 0, 0, 512, True),                      # read
        blk_request(m, 3, 1, 1, 8, 512, False, b"\xab" * 512),      # write
        blk_request(m, 6, 2, 4, 0, 0, False),                       # flush
        blk_request(m, 9, 3, 8, 0, 20, True),                       # get id
        blk_request(m, 12, 4, 13, 0, 16, False,
                    struct.pack("<QII", 4, 2, 1)),                  # write zeroes
    ]
    m.avail(heads)
    return m


def blk_seeds():
    write("virtio_blk", "requests", bytes([0x0f]) + blk_mem().bytes())
    m = Mem()
    blk_request(m, 0, 0, 11, 0, 16, False, struct.pack("<QII", 8, 8, 0))  # discard
    m.avail([0])
    write("virtio_blk", "discard", bytes([0x08]) + m.bytes())
    m = Mem()
    blk_request(m, 0, 0, 0, 127, 1024, True)  # read past the end
    m.avail([0])
    write("virtio_blk", "past_end", bytes([0x00]) + m.bytes())


def mmio_ops(queue_size, features):
    ops = []

    def w(off, val):
        ops.append(struct.pack("<BHI", 4 | 2, off, val))

    def r(off):
        ops.append(struct.pack("<BHI", 2, off, 0))

    r(0x000)
    r(0x004)
    r(0x008)
    w(0x070, 1)
    w(0x070, 3)
    w(0x014, 0)
    r(0x010)
    w(0x014, 1)
    r(0x010)
    w(0x024, 0)
    w(0x020, features & 0xffffffff)
    w(0x024, 1)
    w(0x020, features >> 32)
    w(0x070, 0xb)
    r(0x070)
    w(0x030, 0)
    r(0x034)
    w(0x038, queue_size)
    w(0x080, BASE + DESC)
    w(0x084, 0)
    w(0x090, BASE + AVAIL)
    w(0x094, 0)
    w(0x0a0, BASE + USED)
    w(0x0a4, 0)
    w(0x044, 1)
    w(0x070, 0xf)
    w(0x050, 0)
    r(0x060)
    w(0x064, 1)
    r(0x100)
    r(0x0fc)
    w(0x070, 0)
    return b"".join(ops)


def mmio_seeds():
    v1 = 1 << 32
    m = Mem()
    m.desc(0, BASE + BUF, 64, WRITE)
    m.avail([0])
    mem = m.bytes()
    write("virtio_mmio", "rng_bringup",
          bytes([1]) + struct.pack("<H", len(mem)) + mem + mmio_ops(16, v1))
    mem = blk_mem().bytes()
    write("virtio_mmio", "blk_bringup",
          bytes([0]) + struct.pack("<H", len(mem)) + mem +
          mmio_ops(16, v1 | (1 << 9) | (1 << 14)))


def net_seeds():
    # Receive buffers (queue at +0) and transmit chains (queue at +0x400): header and
    # frame in one descriptor, then split in two.
    tx_desc, tx_avail = 0x400, 0x500
    m = Mem(0x800)
    for i in range(4):
        m.desc(i, BASE + 0x800 + 0x800 * i, 0x800, WRITE)
    m.avail([0, 1, 2, 3])
    eth = bytes([0xff] * 6) + bytes([2, 0, 0, 0, 0, 2]) + bytes([8, 0])
    plain = bytes(12) + eth + bytes(range(64))
    tso = struct.pack("<BBHHHHH", 1, 1, 54, 1400, 34, 16, 0) + eth + bytes(3000)
    m.put(0x3000, plain)
    m.put(0x3800, tso[:12])
    m.put(0x3900, tso[12:])
    m.desc(0, BASE + 0x3000, len(plain), 0, table=tx_desc)
    m.desc(1, BASE + 0x3800, 12, NEXT, 2, table=tx_desc)
    m.desc(2, BASE + 0x3900, len(tso) - 12, 0, table=tx_desc)
    m.put(tx_avail, struct.pack("<HHHH", 0, 2, 0, 1))
    frames = [bytes(12) + eth + bytes(range(100)), bytes(12) + eth + bytes(2900)]
    head = bytes([len(frames)]) + b"".join(struct.pack("<H", len(f)) for f in frames)
    # Without merging, then merging with checksum and segmentation offloads.
    write("virtio_net", "plain", bytes([0x00]) + head + b"".join(frames) + m.bytes())
    write("virtio_net", "offloads", bytes([0x67]) + head + b"".join(frames) + m.bytes())


virtq_seeds()
blk_seeds()
mmio_seeds()
net_seeds()
