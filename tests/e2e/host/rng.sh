# --rng: the guest loads virtio-rng, which becomes its hardware RNG (rng_current names
# virtio_rng); 64 KiB from /dev/hwrng hold nearly all 256 byte values and two reads
# differ.
. /data/e2e-lib.sh
boot_guest rng.log rng -- --rng
wait_for rng.log "CVMM-GUEST pass rng" 90 || fail "scenario did not pass"
expect_exit 20 0
say "$(grep -o 'rng_current.*' rng.log | tr -d '\r'); $(grep -o 'hwrng 65536.*' rng.log | tr -d '\r')"
