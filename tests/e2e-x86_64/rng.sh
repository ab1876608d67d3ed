# --rng on x86_64: the guest's virtio-rng driver binds the device vmm-ref describes in its
# DSDT and becomes the hardware RNG; /dev/hwrng gives varied bytes (tests/e2e's rng
# scenario); the guest powers off with status 0.
. /data/e2e-lib.sh
boot_guest rng.log x86-rng -- --rng
wait_for rng.log "CVMM-GUEST pass x86-rng" 120 || fail "scenario did not pass"
expect_exit 30 0
say "$(grep -o 'rng_current.*' rng.log | tr -d '\r'); $(grep -o 'hwrng 65536.*' rng.log | tr -d '\r')"
