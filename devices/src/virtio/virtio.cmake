# virtio part of cvmm::devices: the virtio-mmio transport, split virtqueues, virtio-blk
# and virtio-rng. Included by devices/CMakeLists.txt; paths are relative to devices/.
set(CVMM_DEVICES_VIRTIO_SOURCES
  src/virtio/virtq.c
  src/virtio/mmio.c
  src/virtio/blk.c
  src/virtio/rng.c
)
