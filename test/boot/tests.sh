#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The boot tests, one harness call each, run one after another.
#
# scripts/test sources this file; it can also be run alone (after a build):
#   test/boot/tests.sh [REGEX]     runs the tests whose names match REGEX
# Sourced, it reads BOOT_FILTER (a regex on test names, empty = all) and leaves the
# tallies in BOOT_PASSED and BOOT_FAILED.
set -euo pipefail

boot_root=$(cd "$(dirname "$(realpath "${BASH_SOURCE[0]}")")/../.." && pwd)
BOOT_PASSED=0
BOOT_FAILED=0
# The in-system test server's own cases (PASS:/FAIL: CAP0001 ...), from its boot logs.
INSYSTEM_PASSED=0
INSYSTEM_FAILED=0
BOOT_FILTER=${BOOT_FILTER:-}
if [[ ${BASH_SOURCE[0]} == "$0" ]]; then BOOT_FILTER=${1:-$BOOT_FILTER}; fi

# boot_test NAME ARGS...: test/boot/harness --name NAME ARGS..., unless filtered out.
boot_test() {
    local name=$1
    shift
    if [[ -n $BOOT_FILTER ]] && ! grep -qE -e "$BOOT_FILTER" <<<"$name"; then
        return 0
    fi
    if "$boot_root/test/boot/harness" --name "$name" "$@"; then
        BOOT_PASSED=$((BOOT_PASSED + 1))
    else
        BOOT_FAILED=$((BOOT_FAILED + 1))
    fi
}

# count_insystem NAME: adds the test server's PASS/FAIL lines in NAME's log to the tallies.
count_insystem() {
    local log=$boot_root/build/test-logs/$1.log p=0 f=0
    if [[ -n $BOOT_FILTER ]] && ! grep -qE -e "$BOOT_FILTER" <<<"$1"; then return 0; fi
    if [[ -f $log ]]; then
        p=$(tr -d '\r' <"$log" | grep -cE '^PASS: [A-Z]+[0-9]{4} ' || true)
        f=$(tr -d '\r' <"$log" | grep -cE '^FAIL: [A-Z]+[0-9]{4} ' || true)
    fi
    INSYSTEM_PASSED=$((INSYSTEM_PASSED + p))
    INSYSTEM_FAILED=$((INSYSTEM_FAILED + f))
}

# guest_test NAME [ARGS...]: the test guest build/test/guests/NAME.elf booted natively by
# QEMU TCG as a multiboot v1 kernel (no Vireo): it must print its SUMMARY with no
# unexpected failure and no FAIL: line, then exit through isa-debug-exit with 0 (status 1).
guest_test() {
    local name=$1
    shift
    boot_test "native-guest-$name" --platform qemu --timeout 30 --smp 1 --mem 64 \
        --kernel "$boot_root/build/test/guests/$name.elf" \
        --pass "^SUMMARY: [0-9]+ tests, 0 unexpected failures" \
        --fail "^FAIL:|^SUMMARY: [0-9]+ tests, [1-9]" --exit-status 1 "$@"
}

run_boot_tests() {
    local b=$boot_root/build
    local qemu=(--platform qemu --timeout 60)
    local bochs=(--platform bochs --timeout 300)
    # Failing on an error or a halt as well as a panic is the harness's default;
    # the negative tests expect the halt, so only a panic or a full boot fails them.
    local bad=(--fail "VIREO PANIC|CPUs up")

    # QEMU TCG: no VMX, so each CPU must come up and say why VMX is off; then the root
    # server runs in ring 3, starts the console server (paging it in from its module),
    # prints through it, reads its own image through its memory window, and sees an
    # unused hypercall number refused.
    local root_ok=(--count "spare hypercall 15 returned status 3 \(BAD_HYP" 1
                   --count "root: module 0 'root', [0-9]+ bytes, starts with 7f ELF" 1
                   --count "root: server 0 'console' started" 1
                   --count "root: ready \(printing through the console server\)" 1)
    boot_test qemu-1cpu "${qemu[@]}" --smp 1 --iso "$b/vireo.iso" --pass "root: ready" \
        --count "vireo: 1 of 1 CPUs up" 1 "${root_ok[@]}" \
        --count "cpu[0-9]+: online" 1 --count "cpu[0-9]+: no VMX" 1
    boot_test qemu-4cpu "${qemu[@]}" --smp 4 --iso "$b/vireo.iso" --pass "root: ready" \
        --count "vireo: 4 of 4 CPUs up" 1 "${root_ok[@]}" \
        --count "cpu[0-9]+: online" 4 --count "cpu[0-9]+: no VMX" 4

    # Console input: COM1's receive interrupt (GSI 4, routed to a semaphore by the root
    # server) wakes the console server's read; the root echoes what was typed.
    boot_test qemu-console-input "${qemu[@]}" --smp 2 --iso "$b/vireo.iso" \
        --input-after "root: ready" --input 'hello vireo\rsecond line\r' \
        --pass "root: you typed 'second line'" --count "root: you typed 'hello vireo'" 1

    # Bad configurations: one error line, then a clean halt.
    boot_test qemu-bad-cmdline "${qemu[@]}" "${bad[@]}" --smp 1 --iso "$b/bad-cmdline.iso" \
        --pass "vireo: halted" --count "vireo: error: .*frobnicate" 1
    # serial=com9 is invalid, so the error must still reach the default port, COM1.
    boot_test qemu-bad-serial "${qemu[@]}" "${bad[@]}" --smp 1 --iso "$b/bad-serial.iso" \
        --pass "vireo: halted" --count "vireo: error: .*serial" 1
    boot_test qemu-tiny-ram "${qemu[@]}" "${bad[@]}" --smp 1 --mem 8 --iso "$b/vireo.iso" \
        --pass "vireo: halted" --count "vireo: error: .*RAM" 1
    # The panic report: what, where, the registers, CR2, a backtrace; then every CPU stops.
    boot_test bochs-panic "${bochs[@]}" --smp 2 --iso "$b/crash-pf.iso" \
        --fail "starting root server" --pass "vireo: halted" \
        --count "VIREO PANIC on cpu0: #PF page fault \(vector 14, error 0x0\)" 1 \
        --count "^rip ffffffff80[0-9a-f]+ cs 0008 " 1 --count "^rax [0-9a-f]{16} rbx" 1 \
        --count "cr2 ffffff8000000000" 1 --count "backtrace:( ffffffff80[0-9a-f]+)+" 1
    local bad_root=(--fail "VIREO PANIC|starting root server")
    boot_test qemu-no-modules "${qemu[@]}" "${bad_root[@]}" --smp 1 --iso "$b/no-modules.iso" \
        --pass "vireo: halted" --count "vireo: error: no modules" 1
    # Module 0 is the hypervisor's own ELF: linked in the upper half, not a user program.
    boot_test qemu-not-elf "${qemu[@]}" "${bad_root[@]}" --smp 1 --iso "$b/not-elf.iso" \
        --pass "vireo: halted" --count "vireo: error: root server .*ELF" 1

    # A ring-3 fault kills that server alone, with the cause, and the kernel carries on.
    boot_test qemu-fault "${qemu[@]}" --fail "VIREO PANIC|vireo: halted" --smp 2 \
        --iso "$b/fault.iso" --pass "vireo: killed fault" \
        --count "killed fault on cpu0: #PF page fault at rip 0x4.*cr2 0xffffffff80200000" 1

    # A server that faults is ended by the root server (its pager) alone: the caller gets
    # ABORTED and the console server and the root run on.
    boot_test qemu-server-fault "${qemu[@]}" --smp 2 --iso "$b/server-fault.iso" \
        --pass "root: ready" --count "root: killed fault: exception 13 at rip 0x4" 1 \
        --count "root: server 1 'fault' did not start \(status 2\)" 1

    # Exception portals: a thread's page fault goes to a handler that maps memory by
    # replying with a delegation; a second fault makes the handler revoke the thread.
    local pager=(--pass "pager: done" --count "worker read 0x5eed5eed after 1 fault\(s\): mapped" 1
                 --count "fault 2 at 0x40002000 .*revoking the worker" 1
                 --count "status 0; the worker and its SC are gone" 1)
    boot_test qemu-pager "${qemu[@]}" --smp 2 --iso "$b/pager.iso" "${pager[@]}"
    boot_test bochs-pager "${bochs[@]}" --smp 2 --iso "$b/pager.iso" "${pager[@]}"

    # The in-system test server (servers/test) as the root server: every hypercall, with
    # hostile arguments and a random storm; one PASS/FAIL line per test, then a summary.
    # Some tests make the kernel kill ECs on purpose ("vireo: killed ..."); a kill of the
    # test server's own thread shows as a missing summary, i.e. a timeout.
    local hypercalls=(--pass "test server: [0-9]+ passed, 0 failed" --fail
        "VIREO PANIC|vireo: halted|test server: [0-9]+ passed, [1-9]")
    boot_test qemu-hypercalls "${qemu[@]}" --smp 2 --iso "$b/test.iso" "${hypercalls[@]}"
    count_insystem qemu-hypercalls
    boot_test bochs-hypercalls "${bochs[@]}" --smp 2 --iso "$b/test.iso" "${hypercalls[@]}"
    count_insystem bochs-hypercalls

    # Bochs emulates VT-x: every CPU must also enter VMX root mode.
    boot_test bochs-1cpu "${bochs[@]}" --smp 1 --iso "$b/vireo.iso" --pass "root: ready" \
        --count "vireo: 1 of 1 CPUs up" 1 "${root_ok[@]}" \
        --count "cpu[0-9]+: online" 1 --count "cpu[0-9]+: VMXON ok" 1
    boot_test bochs-2cpu "${bochs[@]}" --smp 2 --iso "$b/vireo.iso" --pass "root: ready" \
        --count "vireo: 2 of 2 CPUs up" 1 "${root_ok[@]}" \
        --count "cpu[0-9]+: online" 2 --count "cpu[0-9]+: VMXON ok" 2

    # The same guests under Vireo on Bochs (VT-x with EPT): each VM exit goes to the VMM
    # in ring 3 (vmm/); the guest's COM1 reaches the console through it.
    local vm_fail="VIREO PANIC|vireo: halted|vireo: killed|^FAIL:|vmm: (unexpected|cannot|VM entry)"
    local guest
    for guest in cpuid pio hlt mmio vmcall msr cr exceptions realmode vmexit; do
        boot_test "bochs-vm-$guest" "${bochs[@]}" --smp 1 --iso "$b/vm-$guest.iso" \
            --pass "^vmm: guest exit status 0" \
            --fail "$vm_fail|SUMMARY: [0-9]+ tests, [1-9]|vmm: guest exit status [1-9]" \
            --count "^SUMMARY: [0-9]+ tests, 0 unexpected failures" 1
    done
    # A hostile guest ends alone, by its triple fault, after every stage of its attack.
    boot_test bochs-vm-hostile "${bochs[@]}" --smp 1 --iso "$b/vm-hostile.iso" \
        --pass "^vmm: guest triple fault" --fail "$vm_fail|^SUMMARY" \
        --count "^hostile: progress [1-5]:" 5 --count "^PASS: hostile: " 1

    # The test guests (test/guests, docs/guests.md), natively under QEMU TCG: each check
    # must hold on a real-enough PC before it is asked of Vireo's VMM.
    guest_test cpuid --count "^PASS: cpuid: " 6
    guest_test pio --count "^PASS: pio: " 13
    guest_test hlt --count "^PASS: hlt: " 4
    guest_test mmio --count "^PASS: mmio: " 23
    # Natively the VMM's answers are absent: the guest must say SKIP, not FAIL.
    guest_test vmcall --count "^SKIP: vmcall: " 2
    guest_test msr --count "^PASS: msr: " 4
    guest_test cr --count "^PASS: cr: " 12
    guest_test exceptions --count "^PASS: exceptions: " 11
    guest_test realmode --count "^PASS: realmode: " 12 \
        --count "^realmode: hello from real mode" 2
    guest_test marker --append "marker=a11ce other=b0b" --count "^PASS: marker: " 5
    # The check can fail: a guest told that its own marker is the other's must say so.
    boot_test native-guest-marker-clash --platform qemu --timeout 30 --smp 1 --mem 64 \
        --kernel "$b/test/guests/marker.elf" --append "marker=a11ce other=a11ce" \
        --pass "^SUMMARY: [0-9]+ tests, 1 unexpected failures" --fail "^SUMMARY: [0-9]+ tests, 0 " \
        --count "^FAIL: marker: other marker seen in round 1" 1 --exit-status 3
    # Hostile: every stage's progress line, no FAIL, then QEMU stops at the triple fault
    # (-no-reboot makes the reset an exit with status 0).
    boot_test native-guest-hostile --platform qemu --timeout 30 --smp 1 --mem 64 \
        --kernel "$b/test/guests/hostile.elf" --pass "^hostile: progress 5: triple fault next" \
        --fail "^FAIL:|^SUMMARY" --count "^hostile: progress [1-4]: " 4 \
        --count "^PASS: hostile: 8 of 8 undefined opcodes" 1 --exit-status 0
    guest_test vmexit --count "^vmexit_[a-z_]+_ticks [0-9]+$" 8 --count "^SKIP: vmexit_vmcall" 1
}

run_boot_tests

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    echo "boot tests: $BOOT_PASSED passed, $BOOT_FAILED failed"
    ((BOOT_FAILED == 0))
fi
