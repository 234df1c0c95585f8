# distinct.awk - N failures of N different dexts inside one second of log
# time, in `log show` default style (bench/scale.sh, tests/reliability/scale.sh):
#   awk -v n=N -f bench/distinct.awk > FILE
BEGIN {
    print "Timestamp                       Thread     Type        Activity             PID    TTL  "
    for (i = 0; i < n; i++)
        printf "2026-11-20 10:14:%02d.%06d-0800 0x2f3a1    Default     0x0                  0      0    kernel: DK: Drv%d-0x%x: provider entitlements check failed\n", 3 + int(i / 1000000), i % 1000000, i, 268435456 + i
}
