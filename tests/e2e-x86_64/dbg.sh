. /data/e2e-lib.sh
boot_guest dbg.log boot -- --log-level info
wait_exit 100
echo "RC=$RC"
cat dbg.log
dmesg | tail -5
